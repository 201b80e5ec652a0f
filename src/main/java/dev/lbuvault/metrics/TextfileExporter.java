package dev.lbuvault.metrics;

import dev.lbuvault.fs.SecureFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes {@code lbuvault.prom} for node_exporter's textfile collector: the whole file is written
 * under a temporary name that does not end in {@code .prom} (so the collector never reads half a
 * file), fsynced and renamed over the old one. It holds no timestamps (the collector rejects them)
 * and mode 0644, because node_exporter usually runs as another user.
 */
public final class TextfileExporter {
  public static final String FILE_NAME = "lbuvault.prom";

  private final Path file;

  public TextfileExporter(Path dir) {
    this.file = dir.resolve(FILE_NAME);
  }

  public Path file() {
    return file;
  }

  /** Replaces the file with the own metrics of {@code metrics}. */
  public void write(LbuvaultMetrics metrics) throws IOException {
    SecureFiles.writeAtomically(
        file, metrics.scrapeOwn(), PosixFilePermissions.fromString("rw-r--r--"));
  }
}
