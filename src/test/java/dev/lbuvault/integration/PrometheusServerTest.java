package dev.lbuvault.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.DaemonProcess;
import dev.lbuvault.testing.Http;
import dev.lbuvault.testing.Promtool;
import dev.lbuvault.testing.Tools;
import dev.lbuvault.testing.Waits;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus server (Debian's) scrapes the running daemon every second; its HTTP API must
 * show the backup metrics, and promtool must accept the daemon's exposition.
 */
class PrometheusServerTest {
  private static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir Path tmp;

  @Test
  void prometheusIngestsTheDaemonsMetrics() throws Exception {
    Path prometheus = Tools.require("prometheus");
    Tools.require("promtool");
    try (DaemonProcess daemon = DaemonProcess.start(tmp, "--settle", "1s")) {
      runPrometheusAgainst(daemon, prometheus);
      assertThat(daemon.stop()).as(daemon.log()).isZero();
    }
  }

  /** Prometheus scraping {@code daemon}: what it stores must match what the daemon exported. */
  private void runPrometheusAgainst(DaemonProcess daemon, Path prometheus) throws Exception {
    Process server = null;
    try {
      String metrics = daemon.url("/metrics");
      Waits.until(
          WAIT,
          "the first backup's metrics",
          () ->
              Http.tryGet(metrics)
                      .flatMap(r -> Http.sample(r.body(), "lbuvault_versions{host=\"rpi\"}"))
                      .orElse(0.0)
                  == 1.0);
      Promtool.assertAccepts(Http.get(metrics).body(), tmp);

      int promPort = Http.freePort();
      Path config = tmp.resolve("prometheus.yml");
      Files.writeString(
          config,
          String.join(
              "\n",
              "global:",
              "  scrape_interval: 1s",
              "  evaluation_interval: 1s",
              "scrape_configs:",
              "  - job_name: lbuvault",
              "    static_configs:",
              "      - targets: ['" + URI.create(metrics).getAuthority() + "']",
              ""));
      server =
          new ProcessBuilder(
                  prometheus.toString(),
                  "--config.file=" + config,
                  "--storage.tsdb.path=" + tmp.resolve("tsdb"),
                  "--web.listen-address=127.0.0.1:" + promPort)
              .redirectErrorStream(true)
              .redirectOutput(tmp.resolve("prometheus.log").toFile())
              .start();
      String api = "http://127.0.0.1:" + promPort + "/api/v1/query?query=";
      Waits.until(
          WAIT,
          "Prometheus to have lbuvault_versions",
          () ->
              Http.tryGet(api + "lbuvault_versions")
                  .map(r -> r.body().contains("\"value\":[") && r.body().contains("\"1\"]"))
                  .orElse(false));
      String versions = Http.get(api + "lbuvault_versions").body();
      assertThat(versions)
          .contains("\"status\":\"success\"", "\"host\":\"rpi\"", "\"job\":\"lbuvault\"");
      String stored =
          Http.get(
                  api
                      + URLEncoder.encode(
                          "lbuvault_backup_runs_total{result=\"stored\"}", StandardCharsets.UTF_8))
              .body();
      assertThat(stored).contains("\"result\":\"stored\"").contains("\"1\"]");
      String fresh =
          Http.get(
                  api
                      + URLEncoder.encode(
                          "time() - lbuvault_backup_last_success_timestamp_seconds < 300",
                          StandardCharsets.UTF_8))
              .body();
      assertThat(fresh).contains("\"host\":\"rpi\"");
      assertThat(
              Http.get(api + URLEncoder.encode("up{job=\"lbuvault\"}", StandardCharsets.UTF_8))
                  .body())
          .contains("\"1\"]");
    } finally {
      if (server != null) {
        server.destroy();
        server.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }
}
