package dev.lbuvault.recover;

import dev.lbuvault.boot.BootCheck;
import dev.lbuvault.image.FatEntry;
import dev.lbuvault.image.MbrPartition;
import java.util.List;

/**
 * What {@code lbuvault inspect} found on an image or device: the partition table, the FAT
 * filesystem's type, id and label, the files, the apkovls at the root, the boot check, and the
 * problems that would stop the card from booting or from taking the next {@code lbu commit}.
 */
public record InspectionReport(
    List<MbrPartition> partitions,
    long filesystemOffset,
    String fatType,
    String volumeId,
    String label,
    List<FatEntry> files,
    List<String> apkovls,
    BootCheck.Result bootCheck,
    List<String> problems) {
  public InspectionReport {
    partitions = List.copyOf(partitions);
    files = List.copyOf(files);
    apkovls = List.copyOf(apkovls);
    problems = List.copyOf(problems);
  }

  public boolean good() {
    return problems.isEmpty();
  }
}
