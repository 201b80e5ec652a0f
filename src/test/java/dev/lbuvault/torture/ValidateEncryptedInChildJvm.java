package dev.lbuvault.torture;

import dev.lbuvault.archive.ApkovlSummary;
import dev.lbuvault.archive.ApkovlValidator;
import dev.lbuvault.archive.InvalidApkovlException;
import dev.lbuvault.crypto.PasswordFile;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@link HostileEncryptedApkovlsTest}'s child JVM (run with {@code -Xmx64m}): validates every file
 * of a directory with the password of a password file and prints one tab-separated line per file:
 * {@code OK} with the entry count and key derivation, {@code UNVERIFIED} with the reason, {@code
 * INVALID} with the message, {@code IOERROR} or {@code CRASH}. Last, the peak heap use in bytes.
 */
final class ValidateEncryptedInChildJvm {
  private ValidateEncryptedInChildJvm() {}

  public static void main(String[] args) throws Exception {
    ApkovlValidator validator =
        new ApkovlValidator(Optional.of(PasswordFile.read(Path.of(args[1]))));
    List<Path> files;
    try (Stream<Path> s = Files.list(Path.of(args[0]))) {
      files = s.sorted().toList();
    }
    StringBuilder out = new StringBuilder();
    for (Path f : files) {
      String line;
      try {
        ApkovlSummary s = validator.validate(f);
        line =
            s.notVerified() == null
                ? "OK\t" + f.getFileName() + "\t" + s.entryCount() + " " + s.keyDerivation()
                : "UNVERIFIED\t" + f.getFileName() + "\t" + s.notVerified();
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
