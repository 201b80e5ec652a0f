package dev.lbuvault.torture;

import dev.lbuvault.recover.CardInspector;
import dev.lbuvault.recover.InspectionReport;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@link HostileImagesTest}'s child JVM (run with {@code -Xmx64m}): inspects every image in a
 * directory as {@code lbuvault inspect} does and prints one tab-separated line per image: {@code
 * REPORT}, the name and its problems separated by {@code \u001f}, or {@code THREW} with the
 * exception (an I/O error included: inspect must report damage, not fail on it). Last, the peak
 * heap use in bytes.
 */
final class InspectManyInChildJvm {
  private InspectManyInChildJvm() {}

  public static void main(String[] args) throws Exception {
    List<Path> images;
    try (Stream<Path> s = Files.list(Path.of(args[0]))) {
      images = s.sorted().toList();
    }
    StringBuilder out = new StringBuilder();
    for (Path image : images) {
      String line;
      try {
        InspectionReport r = new CardInspector().inspect(image);
        line = "REPORT\t" + image.getFileName() + "\t" + String.join("\u001f", r.problems());
      } catch (Throwable t) { // NOPMD: the point is to report any failure, OutOfMemoryError too
        line = "THREW\t" + image.getFileName() + "\t" + t;
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
