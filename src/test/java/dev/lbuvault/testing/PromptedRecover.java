package dev.lbuvault.testing;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code recover} to a device, in its own JVM, stopped at its confirmation prompt with the
 * answer still to come through a pipe: what a user sees between checking and typing the name, the
 * window in which a device can be mounted or swapped.
 */
public final class PromptedRecover {
  private final Process process;
  private final Path log;

  private PromptedRecover(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** Starts recover of the newest version onto {@code device} and returns once it asks. */
  public static PromptedRecover start(String repo, Path device, Path log) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(
            CliProcess.command(
                List.of(), List.of("recover", "--repo", repo, "--to", device.toString())));
    pb.redirectErrorStream(true);
    pb.redirectOutput(log.toFile());
    Process p = pb.start();
    Waits.until(
        Duration.ofMinutes(2),
        "the confirmation prompt",
        () -> Files.readString(log).contains("Type the device name") || !p.isAlive());
    if (!p.isAlive()) {
      throw new IllegalStateException("recover ended before its prompt: " + Files.readString(log));
    }
    return new PromptedRecover(p, log);
  }

  /** Types {@code text} and a newline, closes the pipe, and returns the exit code. */
  public int answer(String text) throws Exception {
    try (OutputStream in = process.getOutputStream()) {
      in.write((text + "\n").getBytes(StandardCharsets.UTF_8));
    }
    if (!process.waitFor(3, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new IllegalStateException("recover did not end within 3 minutes of the answer");
    }
    return process.exitValue();
  }

  /** Everything recover printed so far. */
  public String output() throws Exception {
    return Files.readString(log);
  }
}
