package dev.lbuvault.torture;

import dev.lbuvault.archive.ApkovlSummary;
import dev.lbuvault.archive.ApkovlValidator;
import dev.lbuvault.archive.InvalidApkovlException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@link BadApkovlTest}'s child JVM (run with {@code -Xmx64m}): validates every file in a directory
 * and prints one tab-separated line per file: {@code OK}, {@code INVALID} with the message, {@code
 * IOERROR} or {@code CRASH} (anything else, out-of-memory included). Last, the peak heap use in
 * bytes.
 */
final class ValidateManyInChildJvm {
  private ValidateManyInChildJvm() {}

  public static void main(String[] args) throws Exception {
    ApkovlValidator validator = new ApkovlValidator();
    List<Path> files;
    try (Stream<Path> s = Files.list(Path.of(args[0]))) {
      files = s.sorted().toList();
    }
    StringBuilder out = new StringBuilder();
    for (Path f : files) {
      String line;
      try {
        ApkovlSummary summary = validator.validate(f);
        line = "OK\t" + f.getFileName() + "\t" + summary.entryCount();
      } catch (InvalidApkovlException e) {
        line = "INVALID\t" + f.getFileName() + "\t" + e.getMessage().replace("\t", "\\t");
      } catch (java.io.IOException e) {
        line = "IOERROR\t" + f.getFileName() + "\t" + e;
      } catch (Throwable t) { // NOPMD: the point is to report any crash, OutOfMemoryError too
        line = "CRASH\t" + f.getFileName() + "\t" + t;
      }
      out.append(line.replace("\n", "\\n")).append('\n');
    }
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    out.append("PEAK\t").append(peak).append('\n');
    System.out.print(out);
  }
}
