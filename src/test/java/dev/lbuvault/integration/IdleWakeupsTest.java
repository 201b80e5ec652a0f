package dev.lbuvault.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.DaemonProcess;
import dev.lbuvault.testing.Http;
import dev.lbuvault.testing.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
    try (DaemonProcess daemon = DaemonProcess.start(tmp)) {
      daemon.awaitHealthy(WAIT);
      long tid = thread(daemon.process().pid(), "lbuvault-http");
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
      assertThat(traced.exitCode()).as("strace attached: " + traced.stderr()).isEqualTo(124);
      List<String> returned =
          Files.readAllLines(trace).stream().filter(l -> l.matches(".*\\) += \\d+.*")).toList();
      assertThat(returned).as("epoll_wait calls that returned while idle").isEmpty();
      assertThat(Http.tryGet(daemon.url("/healthz")).map(r -> r.status())).contains(200);
      assertThat(daemon.stop()).as(daemon.log()).isZero();
    }
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
