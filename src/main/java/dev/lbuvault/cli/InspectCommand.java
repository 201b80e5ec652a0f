package dev.lbuvault.cli;

import dev.lbuvault.image.FatEntry;
import dev.lbuvault.image.MbrPartition;
import dev.lbuvault.recover.CardInspector;
import dev.lbuvault.recover.InspectionReport;
import dev.lbuvault.text.ByteSizes;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code lbuvault inspect}: reads a card or image and says whether it is good. */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = {
      "Read a card image or device: partition table, filesystem, volume id and label,",
      "apkovls, boot check and files. Exit 0 if the card is good, 4 if it has problems."
    })
final class InspectCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "TARGET", description = "Image file or block device to read.")
  Path target;

  @Option(names = "--files", description = "List every file with its size.")
  boolean listFiles;

  @Override
  public Integer call() throws Exception {
    InspectionReport r = new CardInspector().inspect(target);
    PrintWriter out = spec.commandLine().getOut();
    out.printf("target      %s%n", target);
    if (r.partitions().isEmpty()) {
      out.println("partitions  none");
    }
    int n = 1;
    for (MbrPartition p : r.partitions()) {
      out.printf(
          "partition %d start sector %d, %d sectors (%s), type 0x%02x%s%n",
          n++,
          p.startSector(),
          p.sectorCount(),
          ByteSizes.human(p.sectorCount() * 512),
          p.type(),
          p.bootable() ? ", bootable" : "");
    }
    if (r.fatType() != null) {
      out.printf(
          "filesystem  %s at byte %d, volume id %s, label %s%n",
          r.fatType(), r.filesystemOffset(), r.volumeId(), r.label());
      long files = r.files().stream().filter(f -> !f.directory()).count();
      long bytes = r.files().stream().filter(f -> !f.directory()).mapToLong(FatEntry::size).sum();
      out.printf("files       %d, %s%n", files, ByteSizes.human(bytes));
      out.printf(
          "apkovl      %s%n", r.apkovls().isEmpty() ? "none" : String.join(", ", r.apkovls()));
      if (r.bootCheck() != null && !r.bootCheck().missingPackages().isEmpty()) {
        out.printf(
            "packages    without an .apk on the card: %s%n",
            String.join(", ", r.bootCheck().missingPackages()));
      }
    }
    for (String p : r.problems()) {
      out.println("problem     " + p);
    }
    if (listFiles) {
      for (FatEntry f : r.files()) {
        if (!f.directory()) {
          out.printf("%12d  %s%n", f.size(), f.path());
        }
      }
    }
    out.println(
        r.good()
            ? "verdict     good: this card should boot"
            : "verdict     NOT good: see the problems above");
    return r.good() ? ExitCodes.OK : ExitCodes.DAMAGED;
  }
}
