package dev.lbuvault.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code lbuvault daemon} as its own process (through the jar's entry point, {@link CliProcess}) on
 * a fresh plain repository and a generated card under a test's directory, serving on a free
 * loopback port: for tests that judge the running process from outside (jcmd, strace, signals).
 */
public final class DaemonProcess implements AutoCloseable {
  /**
   * A Quartz schedule with no fire time before 2099: a test running across 03:00 must not see a
   * second run. Not {@code off}: with a verify schedule the daemon also verifies once at start, as
   * it does with the defaults.
   */
  public static final String NEVER = "0 0 3 1 1 ? 2099";

  private final Process process;
  private final Path repo;
  private final Path card;
  private final Path log;
  private final int port;

  private DaemonProcess(Process process, Path repo, Path card, Path log, int port) {
    this.process = process;
    this.repo = repo;
    this.card = card;
    this.log = log;
    this.port = port;
  }

  /**
   * The plain repository {@code dir/repo}, made by {@code lbuvault init} unless it exists: a test
   * that prepares the repository calls this before {@link #start}.
   */
  public static Path repo(Path dir) {
    Path repo = dir.resolve("repo");
    if (!Files.exists(repo.resolve("lbuvault.json"))) {
      assertThat(Cli.run("init", "--repo", repo.toString(), "--backend", "plain").exitCode())
          .isZero();
    }
    return repo;
  }

  /**
   * Starts a daemon on {@link #repo dir/repo} and a new card {@code dir/card}, listening on a free
   * port, with {@code extraArgs} appended; a schedule not given there is {@link #NEVER}.
   */
  public static DaemonProcess start(Path dir, String... extraArgs) throws IOException {
    Path repo = repo(dir);
    Path card = Cards.make(dir.resolve("card"));
    int port = Http.freePort();
    Path log = dir.resolve("daemon.log");
    List<String> args =
        new ArrayList<>(
            List.of(
                "daemon",
                "--repo",
                repo.toString(),
                "--source",
                card.toString(),
                "--listen",
                "127.0.0.1:" + port));
    for (String schedule : List.of("--backup-schedule", "--verify-schedule")) {
      if (!List.of(extraArgs).contains(schedule)) {
        args.addAll(List.of(schedule, NEVER));
      }
    }
    args.addAll(List.of(extraArgs));
    Process process = CliProcess.start(log, args.toArray(String[]::new));
    return new DaemonProcess(process, repo, card, log, port);
  }

  public Process process() {
    return process;
  }

  public Path repo() {
    return repo;
  }

  public Path card() {
    return card;
  }

  /** The daemon's {@code /healthz}, {@code /metrics}, ... on its port. */
  public String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  /** Waits until {@code /healthz} answers 200; fails with the log if the process ended first. */
  public void awaitHealthy(Duration wait) throws Exception {
    Waits.until(
        wait,
        "/healthz 200",
        () ->
            !process.isAlive()
                || Http.tryGet(url("/healthz")).map(r -> r.status() == 200).orElse(false));
    assertThat(process.isAlive()).as(log()).isTrue();
  }

  /** What the daemon logged so far. */
  public String log() throws IOException {
    return Files.readString(log);
  }

  /** SIGTERM, then its exit status (within 30 s, else the test fails). */
  public int stop() throws Exception {
    process.destroy();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("exited within 30 s of SIGTERM").isTrue();
    return process.exitValue();
  }

  /** Kills a daemon the test left running (a failed assertion before {@link #stop}). */
  @Override
  public void close() {
    process.destroyForcibly();
  }
}
