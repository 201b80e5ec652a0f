package dev.lbuvault.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.CliProcess;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.DaemonProcess;
import dev.lbuvault.testing.Http;
import dev.lbuvault.testing.Waits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon as its own process facing hostile state files, signals and configuration files. */
class DaemonResilienceTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path tmp;

  private static boolean healthy(int port) {
    return Http.tryGet("http://127.0.0.1:" + port + "/healthz")
        .map(r -> r.status() == 200)
        .orElse(false);
  }

  @Test
  void aStateFileNested100000DeepIsLoggedOnOneLineAndTheDaemonRuns() throws Exception {
    Path repo = DaemonProcess.repo(tmp);
    Path state = Files.createDirectories(repo.resolve("hosts/rpi")).resolve("daemon-state.json");
    Files.writeString(state, "{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000));
    try (DaemonProcess d =
        DaemonProcess.start(tmp, "--backup-schedule", "off", "--verify-schedule", "off")) {
      d.awaitHealthy(WAIT);
      String text = d.log();
      assertThat(text).doesNotContain("StackOverflowError").doesNotContain("\tat ");
      assertThat(text).contains(state + " is damaged").contains("nested more than");
      assertThat(d.stop()).as(d.log()).isZero();
    }
  }

  @Test
  void sighupIsLoggedAndIgnoredWhileSigtermStillExitsZero() throws Exception {
    Path repo = DaemonProcess.repo(tmp);
    Path card = Cards.make(tmp.resolve("card"));
    int port = Http.freePort();
    Path log = tmp.resolve("daemon.log");
    // A test run started under nohup passes SIGHUP on as ignored, and a JVM keeps an inherited
    // "ignore": the daemon would never see the signal. Start it as a service supervisor would.
    List<String> command = new ArrayList<>(List.of("env", "--default-signal=HUP"));
    command.addAll(
        CliProcess.command(
            List.of(),
            List.of(
                "daemon",
                "--repo",
                repo.toString(),
                "--source",
                card.toString(),
                "--listen",
                "127.0.0.1:" + port)));
    Process p = CliProcess.startCommand(log, command);
    try {
      Waits.until(WAIT, "/healthz 200", () -> healthy(port));
      for (int i = 1; i <= 2; i++) {
        long seen = i;
        Commands.check(null, "kill", "-HUP", Long.toString(p.pid()));
        Waits.until(
            WAIT,
            "the SIGHUP log line",
            () -> Files.readString(log).split("SIGHUP received", -1).length - 1 >= seen);
      }
      Thread.sleep(1000);
      assertThat(p.isAlive()).as(Files.readString(log)).isTrue();
      assertThat(healthy(port)).isTrue();
    } finally {
      p.destroy();
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(p.exitValue()).as(Files.readString(log)).isZero();
    assertThat(Files.readString(log)).contains("SIGHUP received: ignored");
  }

  @Test
  void aConfigFileOthersCanWriteStopsTheDaemonWithExitTwoAndTheChmod() throws Exception {
    Path repo = DaemonProcess.repo(tmp);
    Path conf = tmp.resolve("lbuvault.conf");
    Files.writeString(conf, "repo = " + repo + "\nsource = " + tmp + "\nlisten = off\n");
    Files.setPosixFilePermissions(
        conf, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
    Path log = tmp.resolve("daemon.log");
    Process p = CliProcess.start(log, "daemon", "--config", conf.toString());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String text = Files.readString(log);
    assertThat(p.exitValue()).as(text).isEqualTo(2);
    assertThat(text).contains(conf.toString()).contains("chmod go-w " + conf);
  }
}
