package dev.lbuvault.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.DaemonProcess;
import dev.lbuvault.testing.Http;
import dev.lbuvault.testing.Promtool;
import dev.lbuvault.testing.Waits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code textfile.dir}: the daemon rewrites node_exporter's textfile after each report, with the
 * same series its {@code /metrics} serves.
 */
class DaemonTextfileTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path tmp;

  @Test
  void theStartupBackupReachesTheTextfileAsItReachesMetrics() throws Exception {
    Path textfiles = Files.createDirectories(tmp.resolve("textfile"));
    Path prom = textfiles.resolve("lbuvault.prom");
    String versions = "lbuvault_versions{host=\"rpi\"}";
    try (DaemonProcess daemon =
        DaemonProcess.start(tmp, "--textfile-dir", textfiles.toString(), "--settle", "1s")) {
      daemon.awaitHealthy(WAIT);
      Waits.until(
          WAIT,
          "the startup backup in the textfile",
          () ->
              Files.exists(prom)
                  && Http.sample(Files.readString(prom), versions).orElse(0.0) == 1.0);
      String text = Files.readString(prom);
      assertThat(Http.sample(text, versions)).contains(1.0);
      assertThat(Http.sample(Http.get(daemon.url("/metrics")).body(), versions)).contains(1.0);
      Promtool.assertAccepts(text, tmp);
      assertThat(daemon.stop()).as(daemon.log()).isZero();
    }
  }
}
