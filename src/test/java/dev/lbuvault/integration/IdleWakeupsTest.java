package dev.lbuvault.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.CliProcess;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Http;
import dev.lbuvault.testing.Tools;
import dev.lbuvault.testing.Waits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An idle daemon must not poll: every wake-up of a months-long process is CPU on a small host
 * (issue 12 #2). strace, attached to the daemon's HTTP thread, is the judge of how often it wakes.
 */
class IdleWakeupsTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path tmp;

  @Test
  void theMetricsThreadSleepsUntilAClientConnectsAndStillAnswersOne() throws Exception {
    Path strace = Tools.require("strace");
    Tools.requireRoot();
    Path repo = tmp.resolve("repo");
    assertThat(Cli.run("init", "--repo", repo.toString(), "--backend", "plain").exitCode())
        .isZero();
    Path card = Cards.make(tmp.resolve("card"));
    int port = Http.freePort();
    String health = "http://127.0.0.1:" + port + "/healthz";
    Path log = tmp.resolve("daemon.log");
    Process daemon =
        CliProcess.start(
            log,
            "daemon",
            "--repo",
            repo.toString(),
            "--source",
            card.toString(),
            "--listen",
            "127.0.0.1:" + port);
    try {
      Waits.until(
          WAIT, "/healthz", () -> Http.tryGet(health).map(r -> r.status() == 200).orElse(false));
      long tid = thread(daemon.pid(), "lbuvault-http");
      Path trace = tmp.resolve("http.trace");
      // 3.5 s of an idle endpoint: a one-second tick returns from epoll_wait three times.
      Commands.Output traced =
          Commands.run(
              null,
              List.of(
                  "timeout",
                  "3.5",
                  strace.toString(),
                  "-qq",
                  "-e",
                  "trace=epoll_wait,epoll_pwait",
                  "-o",
                  trace.toString(),
                  "-p",
                  Long.toString(tid)));
      assertThat(traced.exitCode()).as(traced.stderr()).isEqualTo(124);
      List<String> returned =
          Files.readAllLines(trace).stream().filter(l -> l.matches(".*\\) += \\d+.*")).toList();
      assertThat(returned).as("epoll_wait calls that returned while idle").isEmpty();
      assertThat(Http.tryGet(health).map(r -> r.status())).contains(200);
    } finally {
      daemon.destroy();
      assertThat(daemon.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(daemon.exitValue()).as(Files.readString(log)).isZero();
  }

  /** The id of the thread of {@code pid} the JVM named {@code name} (its comm). */
  private static long thread(long pid, String name) throws IOException {
    try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : tasks.toList()) {
        if (Files.readString(task.resolve("comm")).strip().equals(name)) {
          return Long.parseLong(task.getFileName().toString());
        }
      }
    }
    throw new AssertionError("no thread named " + name + " in process " + pid);
  }
}
