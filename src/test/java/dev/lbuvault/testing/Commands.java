package dev.lbuvault.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the external programs tests use as judges (sha256sum, btrfs, ...) and returns output. */
public final class Commands {
  private Commands() {}

  /** Output and status of one external command. */
  public record Output(int exitCode, String stdout, String stderr) {}

  public static Output run(Path dir, List<String> command) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command);
    if (dir != null) {
      pb.directory(dir.toFile());
    }
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Path errFile = java.nio.file.Files.createTempFile("lbuvault-test-", ".err");
    try {
      pb.redirectError(errFile.toFile());
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      try {
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
          p.destroyForcibly();
          throw new IOException("timed out: " + command);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted: " + command, e);
      }
      return new Output(p.exitValue(), out, java.nio.file.Files.readString(errFile));
    } finally {
      java.nio.file.Files.deleteIfExists(errFile);
    }
  }

  /** Runs a command that must succeed; returns its stdout. */
  public static String check(Path dir, String... command) throws IOException {
    Output o = run(dir, List.of(command));
    if (o.exitCode() != 0) {
      throw new IOException(
          String.join(" ", command) + " exited " + o.exitCode() + ": " + o.stderr() + o.stdout());
    }
    return o.stdout();
  }
}
