package dev.lbuvault.recover;

import dev.lbuvault.archive.ApkovlName;
import dev.lbuvault.archive.ApkovlSummary;
import dev.lbuvault.archive.ApkovlValidator;
import dev.lbuvault.archive.InvalidApkovlException;
import dev.lbuvault.image.FatEntry;
import dev.lbuvault.image.FatReader;
import dev.lbuvault.image.Mbr;
import dev.lbuvault.image.MbrPartition;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a card (image file or device) with lbuvault's own FAT reader and answers "is this card
 * good?": one partition table entry, a FAT filesystem, exactly one apkovl at the root that
 * validates, and the boot check passing. Nothing is written.
 */
public final class CardInspector {
  private static final int SECTOR = 512;
  private static final long CONFIG_LIMIT = 1 << 20;

  public InspectionReport inspect(Path target) throws IOException {
    try (FileChannel ch = FileChannel.open(target, StandardOpenOption.READ)) {
      List<String> problems = new ArrayList<>();
      ByteBuffer sector = ByteBuffer.allocate(SECTOR);
      while (sector.hasRemaining() && ch.read(sector, sector.position()) > 0) {
        // read the first sector
      }
      List<MbrPartition> partitions = List.of();
      long offset = 0;
      try {
        partitions = Mbr.parse(sector.array());
      } catch (IOException e) {
        problems.add("partition table: " + e.getMessage());
      }
      if (!partitions.isEmpty()) {
        MbrPartition first = partitions.get(0);
        offset = first.startSector() * SECTOR;
        if (partitions.size() > 1) {
          problems.add(partitions.size() + " partitions; a restored card has exactly one");
        }
        if (first.type() != 0x0c && first.type() != 0x0b && first.type() != 0x06) {
          problems.add(
              String.format(
                  "partition 1 has type 0x%02x, not FAT (0x0c, 0x0b or 0x06)", first.type()));
        }
        if (!first.bootable()) {
          problems.add("partition 1 is not marked bootable");
        }
      } else if (problems.isEmpty()) {
        problems.add("no partition table: reading a bare filesystem at offset 0");
      }
      FatReader fat;
      try {
        fat = FatReader.open(ch, offset);
      } catch (IOException e) {
        problems.add("no FAT filesystem at byte " + offset + ": " + e.getMessage());
        return new InspectionReport(
            partitions, offset, null, null, null, List.of(), List.of(), null, problems);
      }
      List<FatEntry> entries = fat.list();
      List<String> apkovls = new ArrayList<>();
      Set<String> paths = new HashSet<>();
      FatEntry config = null;
      for (FatEntry e : entries) {
        if (e.directory()) {
          continue;
        }
        paths.add(e.path());
        if (e.path().indexOf('/') < 0 && ApkovlName.isApkovl(e.path())) {
          apkovls.add(e.path());
        }
        if (e.path().equalsIgnoreCase("config.txt")) {
          config = e;
        }
      }
      List<String> world = List.of();
      if (apkovls.size() != 1) {
        problems.add(
            apkovls.size()
                + " apkovls at the root ("
                + String.join(", ", apkovls)
                + "); a card boots reliably with exactly one");
      } else if (ApkovlName.cipherOf(apkovls.get(0)).isEmpty()) {
        FatEntry apkovl = find(entries, apkovls.get(0));
        try (InputStream in = fat.open(apkovl)) {
          ApkovlSummary s = new ApkovlValidator().validatePlaintext(apkovl.path(), in);
          world = s.worldPackages();
        } catch (InvalidApkovlException e) {
          problems.add(e.getMessage());
        }
      }
      String configTxt = null;
      if (config != null && config.size() <= CONFIG_LIMIT) {
        try (InputStream in = fat.open(config)) {
          configTxt = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
      }
      BootCheck.Result boot = BootCheck.check(paths, configTxt, world);
      for (String missing : boot.missingBootFiles()) {
        problems.add("boot: missing " + missing);
      }
      String id = String.format("%08X", fat.volumeId());
      return new InspectionReport(
          partitions,
          offset,
          fat.fatType(),
          id.substring(0, 4) + "-" + id.substring(4),
          fat.label(),
          entries,
          apkovls,
          boot,
          problems);
    }
  }

  private static FatEntry find(List<FatEntry> entries, String path) {
    for (FatEntry e : entries) {
      if (e.path().equals(path)) {
        return e;
      }
    }
    throw new IllegalStateException(path);
  }
}
