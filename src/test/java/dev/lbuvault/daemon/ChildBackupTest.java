package dev.lbuvault.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbuvault.backup.BackupOutcome;
import dev.lbuvault.backup.BackupRequest;
import dev.lbuvault.backup.BackupResult;
import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.RepositoryLock;
import dev.lbuvault.source.CardLocation;
import dev.lbuvault.source.SourceBusyException;
import dev.lbuvault.status.StateStore;
import dev.lbuvault.testing.Leftovers;
import dev.lbuvault.testing.Waits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backups in a child JVM: the real {@code lbuvault backup --json} started as the daemon starts it,
 * over a generated card and a plain repository.
 */
class ChildBackupTest {
  private static final String H = "host=\"rpi\"";
  private static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir Path tmp;

  /** Starts this build's lbuvault main in a fresh JVM, as the launcher would. */
  static List<String> lbuvault() {
    return List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp",
        System.getProperty("java.class.path"),
        "dev.lbuvault.cli.Start");
  }

  /** A launcher stand-in that records its pid and arguments, then starts lbuvault. */
  private Path recordingLauncher() throws IOException {
    Path script = tmp.resolve("lbuvault-launcher");
    StringBuilder exec = new StringBuilder("exec");
    for (String a : lbuvault()) {
      exec.append(" '").append(a.replace("'", "'\\''")).append('\'');
    }
    Files.writeString(
        script,
        "#!/bin/sh\necho $$ >>'"
            + tmp.resolve("pids")
            + "'\necho \"$*\" >>'"
            + tmp.resolve("calls")
            + "'\n"
            + exec
            + " \"$@\"\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return script;
  }

  private static BackupRequest request(Path card, Duration lockWait) {
    return new BackupRequest(card, Optional.empty(), false, lockWait);
  }

  @Test
  void storesAVersionThenFindsTheCardUnchangedAsTheInProcessBackupWould() throws Exception {
    DaemonHarness d = new DaemonHarness(tmp);
    ChildBackup child = new ChildBackup(lbuvault(), d.repo, Optional.empty());

    BackupResult first = child.run(request(d.card, Duration.ZERO));
    assertThat(first.outcome()).isEqualTo(BackupOutcome.STORED);
    assertThat(first.host()).isEqualTo("rpi");
    assertThat(d.versions()).hasSize(1);
    assertThat(d.versions().get(0).getFileName().toString()).isEqualTo(first.versionId().value());
    try (var files = Files.walk(d.card)) {
      assertThat(first.files()).isEqualTo(files.filter(Files::isRegularFile).count());
    }
    assertThat(first.bytesCopied()).isEqualTo(first.totalBytes()).isPositive();

    BackupResult second = child.run(request(d.card, Duration.ZERO));
    assertThat(second.outcome()).isEqualTo(BackupOutcome.UNCHANGED);
    assertThat(second.versionId()).isEqualTo(first.versionId());
    assertThat(second.bytesCopied()).isZero();
  }

  @Test
  void aCardLbuIsWritingIsBusyWithTheChildsReason() throws Exception {
    DaemonHarness d = new DaemonHarness(tmp);
    Files.copy(d.card.resolve("rpi.apkovl.tar.gz"), d.card.resolve("rpi.apkovl.tar.gz.new"));
    ChildBackup child = new ChildBackup(lbuvault(), d.repo, Optional.empty());

    assertThatThrownBy(() -> child.run(request(d.card, Duration.ZERO)))
        .isInstanceOf(SourceBusyException.class)
        .hasMessageContaining("rpi.apkovl.tar.gz.new exists");
    assertThat(d.versions()).isEmpty();
  }

  @Test
  void aFailedChildReportsItsOneLineErrorAndLeavesTheRepositoryClean() throws Exception {
    DaemonHarness d = new DaemonHarness(tmp);
    Repository repo = Repository.open(d.repo, ProcessRunner.system());
    ChildBackup child = new ChildBackup(lbuvault(), d.repo, Optional.empty());
    try (RepositoryLock held = repo.lock(Duration.ZERO, Clock.systemUTC(), "test")) {
      assertThatThrownBy(() -> child.run(request(d.card, Duration.ofSeconds(1))))
          .isInstanceOf(IOException.class)
          .isNotInstanceOf(java.io.InterruptedIOException.class)
          .hasMessageContaining("lock")
          .hasMessageNotContaining("lbuvault: ");
    }
    assertThat(d.versions()).isEmpty();
    assertThat(Leftovers.tempEntries(d.repo)).isEmpty();
  }

  @Test
  void theCommandNamesThePasswordFileNeverThePassword() {
    Path secret = tmp.resolve("apkovl.pass");
    ChildBackup child =
        new ChildBackup(List.of("lbuvault"), tmp.resolve("repo"), Optional.of(secret));

    List<String> command =
        child.command(
            new BackupRequest(
                tmp.resolve("card"), Optional.of("rpi"), true, Duration.ofSeconds(90)));

    assertThat(command)
        .containsSequence("lbuvault", "backup", "--json")
        .containsSequence("--password-file", secret.toString())
        .containsSequence("--host", "rpi")
        .containsSequence("--lock-wait", "PT1M30S")
        .containsSequence("--source", tmp.resolve("card").toString())
        .contains("--rehash");
  }

  @Test
  void anSshSourceReachesTheChildAsItsUrlWithItsKeyAndOptions() {
    ChildBackup child = new ChildBackup(List.of("lbuvault"), tmp.resolve("repo"), Optional.empty());
    Path key = tmp.resolve("id_ed25519");
    CardLocation remote =
        CardLocation.parse(
            "ssh://root@pi2:2222/media/mmcblk0p1",
            Optional.of(key),
            List.of("UserKnownHostsFile=/etc/lbuvault/known_hosts"));

    List<String> command =
        child.command(new BackupRequest(remote, Optional.of("pi2"), false, Duration.ZERO));

    assertThat(command)
        .containsSequence("--source", remote.describe())
        .containsSequence("--ssh-identity", key.toString())
        .containsSequence("--ssh-option", "UserKnownHostsFile=/etc/lbuvault/known_hosts");
    assertThat(remote.describe()).startsWith("ssh://");
  }

  @Test
  void theDaemonRunsEachBackupInAChildAndCountsItAsItsOwn() throws Exception {
    try (DaemonHarness d =
        new DaemonHarness(tmp)
            .set("rescan", "1h")
            .backupsIn(List.of(recordingLauncher().toString()))
            .start()) {
      Waits.until(WAIT, "the first version", () -> d.versions().size() == 1);
      Waits.until(WAIT, "metrics of the first version", () -> d.value("lbuvault_versions", H) == 1);
      d.commit(41);
      Waits.until(
          WAIT,
          "two stored runs",
          () -> d.value("lbuvault_backup_runs_total", H + ",result=\"stored\"") == 2);
      assertThat(d.versions()).hasSize(2);
      assertThat(d.value("lbuvault_backup_runs_total", H + ",result=\"failed\"")).isZero();
      List<String> calls = Files.readAllLines(tmp.resolve("calls"));
      assertThat(calls).hasSize(2).allMatch(c -> c.startsWith("backup --json --repo " + d.repo));
    }
  }

  @Test
  void stoppingTheDaemonEndsAChildStuckBehindTheLockAndCountsNothing() throws Exception {
    DaemonHarness d =
        new DaemonHarness(tmp)
            .set("lock.wait", "10m")
            .set("rescan", "1h")
            .backupsIn(List.of(recordingLauncher().toString()));
    Repository repo = Repository.open(d.repo, ProcessRunner.system());
    long pid;
    try (RepositoryLock held = repo.lock(Duration.ZERO, Clock.systemUTC(), "test")) {
      d.start();
      Waits.until(WAIT, "the child backup", () -> Files.exists(tmp.resolve("pids")));
      pid = Long.parseLong(Files.readAllLines(tmp.resolve("pids")).get(0).strip());
      assertThat(ProcessHandle.of(pid)).isPresent();
      long start = System.nanoTime();
      d.stop();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
    }
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
    assertThat(Leftovers.lockFree(d.repo)).isTrue();
    assertThat(Leftovers.tempEntries(d.repo)).isEmpty();
    assertThat(StateStore.of(repo, "rpi").read().lastAttempt()).isEmpty();
  }
}
