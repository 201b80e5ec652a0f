package dev.lbuvault.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Prometheus's own checker as the judge of an exposition. */
public final class Promtool {
  private Promtool() {}

  /** Runs {@code promtool check metrics} on {@code text}; lint findings fail too. */
  public static void assertAccepts(String text, Path tmp) throws IOException, InterruptedException {
    Path promtool = Tools.require("promtool");
    Path in = Files.createTempFile(tmp, "scrape", ".txt");
    Files.writeString(in, text);
    Process p =
        new ProcessBuilder(promtool.toString(), "check", "metrics")
            .redirectInput(in.toFile())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("promtool check metrics:\n" + out).isZero();
  }
}
