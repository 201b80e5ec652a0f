package dev.lbuvault.replicate;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether {@code zstd} can compress the stream on this side: an executable on the PATH. */
final class Zstd {
  private Zstd() {}

  /** sshd gives a forced command its default PATH, so that is where the far side looks too. */
  static boolean onPath() {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String d : path.split(File.pathSeparator)) {
      Path z = Path.of(d.isEmpty() ? "." : d, "zstd");
      if (Files.isRegularFile(z) && Files.isExecutable(z)) {
        return true;
      }
    }
    return false;
  }
}
