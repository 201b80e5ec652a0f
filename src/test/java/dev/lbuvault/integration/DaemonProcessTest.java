package dev.lbuvault.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.RepositoryLock;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.CliProcess;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.DaemonProcess;
import dev.lbuvault.testing.Http;
import dev.lbuvault.testing.Leftovers;
import dev.lbuvault.testing.OpenFiles;
import dev.lbuvault.testing.Tools;
import dev.lbuvault.testing.Waits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `lbuvault daemon` as its own process: signals, exit codes, log lines, mounts. */
class DaemonProcessTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path tmp;

  private static List<Path> versions(Path repo) throws Exception {
    Path dir = repo.resolve("hosts/rpi/versions");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> !p.getFileName().toString().startsWith(".")).toList();
    }
  }

  @Test
  void sigtermExitsZeroWhenIdleAndWhenABackupIsStuckBehindACliWriter() throws Exception {
    Path repo = DaemonProcess.repo(tmp);
    Path card = Cards.make(tmp.resolve("card"));
    int port = Http.freePort();
    String[] args = {
      "daemon",
      "--repo",
      repo.toString(),
      "--source",
      card.toString(),
      "--listen",
      "127.0.0.1:" + port,
      "--settle",
      "1s",
      "--lock-wait",
      "10m"
    };
    Path log1 = tmp.resolve("idle.log");
    Process idle = CliProcess.start(log1, args);
    Waits.until(WAIT, "the first version", () -> versions(repo).size() == 1);
    Waits.until(
        WAIT,
        "/healthz",
        () ->
            Http.tryGet("http://127.0.0.1:" + port + "/healthz")
                .map(r -> r.status() == 200)
                .orElse(false));
    idle.destroy(); // SIGTERM
    assertThat(idle.waitFor(10, TimeUnit.SECONDS)).as(Files.readString(log1)).isTrue();
    assertThat(idle.exitValue()).as(Files.readString(log1)).isZero();
    assertThat(Leftovers.lockFree(repo)).isTrue();

    Cards.apkovl(card.resolve("rpi.apkovl.tar.gz"), "rpi", 42);
    Path log2 = tmp.resolve("stuck.log");
    Repository r = Repository.open(repo, ProcessRunner.system());
    Process stuck;
    try (RepositoryLock held = r.lock(Duration.ZERO, Clock.systemUTC(), "test")) {
      stuck = CliProcess.start(log2, args);
      // the daemon (or its backup child) opens the lock file before it tries to lock it
      Waits.until(
          WAIT,
          "the startup backup to wait for the lock",
          () -> OpenFiles.count(stuck.toHandle(), repo.resolve("lock")) >= 1);
      long start = System.nanoTime();
      stuck.destroy();
      assertThat(stuck.waitFor(30, TimeUnit.SECONDS)).as(Files.readString(log2)).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
    }
    String log = Files.readString(log2);
    assertThat(stuck.exitValue()).as(log).isZero();
    assertThat(log).contains("abandoned at shutdown");
    assertThat(Leftovers.lockFree(repo)).isTrue();
    assertThat(Leftovers.tempEntries(repo)).isEmpty();
    for (String line : log.lines().toList()) {
      assertThat(line).as("one line per event, with a time").matches("^20\\d\\d-\\d\\d-\\d\\dT.*");
    }
  }

  @Test
  void theRescanFindsACardMountedOverTheWatchedDirectoryAndReportsDownOncePerChange()
      throws Exception {
    Tools.requireRoot();
    Tools.require("mount");
    Path repo = DaemonProcess.repo(tmp);
    Path card = Cards.make(tmp.resolve("card"));
    Path mnt = Files.createDirectory(tmp.resolve("mnt"));
    int port = Http.freePort();
    Path logFile = tmp.resolve("daemon.log");
    Process p =
        CliProcess.start(
            logFile,
            "daemon",
            "--repo",
            repo.toString(),
            "--source",
            mnt.toString(),
            "--listen",
            "127.0.0.1:" + port,
            "--settle",
            "1s",
            "--rescan",
            "2s");
    String metrics = "http://127.0.0.1:" + port + "/metrics";
    try {
      Waits.until(WAIT, "the daemon", () -> Http.tryGet(metrics).isPresent());
      Thread.sleep(6000); // three rescans of an empty mount point
      assertThat(Http.get(metrics).body())
          .containsPattern("(?m)^lbuvault_source_up\\{host=\"[^\"]+\"} 0");

      // The card appears at once, as a mount does: filled elsewhere, then moved over mnt.
      Path staging = Files.createDirectory(tmp.resolve("staging"));
      Commands.check(null, "mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", staging.toString());
      Commands.check(null, "cp", "-a", card + "/.", staging.toString());
      Commands.check(null, "mount", "--move", staging.toString(), mnt.toString());
      Waits.until(WAIT, "a version of the mounted card", () -> versions(repo).size() == 1);
      Waits.until(
          WAIT,
          "source up",
          () ->
              Http.sample(Http.get(metrics).body(), "lbuvault_source_up{host=\"rpi\"}").orElse(0.0)
                  == 1.0);

      // Now the watch is on the mounted card: a commit is picked up through inotify.
      Cards.apkovl(tmp.resolve("fresh.apkovl.tar.gz"), "rpi", 7);
      Files.copy(tmp.resolve("fresh.apkovl.tar.gz"), mnt.resolve("rpi.apkovl.tar.gz.new"));
      Files.move(
          mnt.resolve("rpi.apkovl.tar.gz.new"),
          mnt.resolve("rpi.apkovl.tar.gz"),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      Waits.until(WAIT, "a version of the commit", () -> versions(repo).size() == 2);

      Commands.check(null, "umount", mnt.toString());
      Waits.until(
          WAIT,
          "source down",
          () ->
              Http.sample(Http.get(metrics).body(), "lbuvault_source_up{host=\"rpi\"}").orElse(1.0)
                  == 0.0);
      Thread.sleep(5000);
    } finally {
      Commands.run(null, List.of("umount", mnt.toString()));
      p.destroy();
      p.waitFor(30, TimeUnit.SECONDS);
    }
    String log = Files.readString(logFile);
    assertThat(p.exitValue()).as(log).isZero();
    assertThat(log.lines().filter(l -> l.contains("source down")).count()).as(log).isEqualTo(2);
    assertThat(log.lines().filter(l -> l.contains("is up again")).count()).as(log).isEqualTo(1);
    assertThat(log).contains("backup (change): stored version");
  }
}
