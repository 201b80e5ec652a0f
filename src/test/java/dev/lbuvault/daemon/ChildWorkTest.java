package dev.lbuvault.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.prune.PruneService;
import dev.lbuvault.repo.ReadLock;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.RepositoryLock;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.retention.RetentionPlanner;
import dev.lbuvault.retention.RetentionPolicy;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Leftovers;
import dev.lbuvault.testing.Waits;
import dev.lbuvault.verify.Verifier;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Verify and prune in a child JVM ({@code lbuvault verify --json}, {@code lbuvault prune --json})
 * against the same work in the daemon's JVM, on real plain repositories, and in a real daemon.
 */
class ChildWorkTest {
  private static final String H = "host=\"rpi\"";
  private static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir Path tmp;

  /** A launcher stand-in: records each call, and runs {@code verifyAs} instead of a verify. */
  private Path launcher(String verifyAs) throws IOException {
    Path script = tmp.resolve("lbuvault-launcher");
    StringBuilder exec = new StringBuilder("exec");
    for (String a : ChildBackupTest.lbuvault()) {
      exec.append(" '").append(a.replace("'", "'\\''")).append('\'');
    }
    Files.writeString(
        script,
        "#!/bin/sh\necho \"$*\" >>'"
            + tmp.resolve("calls")
            + "'\nif [ \"$1\" = verify ]; then echo $$ >>'"
            + tmp.resolve("pids")
            + "'; "
            + verifyAs
            + "\nfi\n"
            + exec
            + " \"$@\"\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return script;
  }

  /** Three versions of a card, then one byte of the oldest version's kernel flipped. */
  private DaemonHarness threeVersionsOneDamaged() throws Exception {
    DaemonHarness d = threeVersions();
    assertThat(d.versions()).hasSize(3);
    Path damaged = d.versions().get(0).resolve("card/boot/vmlinuz-rpi");
    FileTime mtime = Files.getLastModifiedTime(damaged);
    byte[] bytes = Files.readAllBytes(damaged);
    bytes[7] ^= 0x10;
    // A fresh inode: the later versions share the undamaged file (hard links).
    Files.delete(damaged);
    Files.write(damaged, bytes);
    Files.setLastModifiedTime(damaged, mtime);
    return d;
  }

  private static InProcessWork inProcess(Path repo) throws Exception {
    Repository r = Repository.open(repo, ProcessRunner.system());
    Clock clock = Clock.systemUTC();
    return new InProcessWork(
        r,
        new PruneService(r, clock, new RetentionPlanner(clock.getZone())),
        new Verifier(1),
        ProcessRunner.system(),
        clock,
        Optional.empty());
  }

  private static Path copy(Path repo, Path to) throws Exception {
    Process cp = new ProcessBuilder("cp", "-a", repo.toString(), to.toString()).start();
    assertThat(cp.waitFor()).isZero();
    return to;
  }

  @Test
  void verifyAndPruneGiveTheSameSummariesInTheDaemonsJvmAndInAChild() throws Exception {
    DaemonHarness d = threeVersionsOneDamaged();
    Path twin = copy(d.repo, tmp.resolve("twin"));
    InProcessWork here = inProcess(d.repo);
    ChildWork child = new ChildWork(ChildBackupTest.lbuvault(), twin);

    RepositoryWork.VerifySummary expected = here.verify("rpi");
    assertThat(expected.problems())
        .singleElement()
        .asString()
        .startsWith(d.versions().get(0).getFileName() + " ")
        .contains("card/boot/vmlinuz-rpi");
    assertThat(expected.versions()).isEqualTo(3);
    assertThat(child.verify("rpi")).isEqualTo(expected);
    assertThat(Files.readString(twin.resolve("hosts/rpi/damage.json")))
        .isEqualTo(Files.readString(d.repo.resolve("hosts/rpi/damage.json")));

    RetentionPolicy keepTwo = new RetentionPolicy(2, 0, 0, 0, 0, Duration.ZERO);
    RepositoryWork.PruneSummary pruned = here.prune("rpi", keepTwo, Duration.ZERO);
    assertThat(pruned).isEqualTo(new RepositoryWork.PruneSummary(3, 1, List.of()));
    assertThat(child.prune("rpi", keepTwo, Duration.ZERO)).isEqualTo(pruned);
    try (var a = Files.list(d.repo.resolve("hosts/rpi/versions"));
        var b = Files.list(twin.resolve("hosts/rpi/versions"))) {
      assertThat(b.map(Path::getFileName).map(Path::toString).sorted().toList())
          .hasSize(2)
          .isEqualTo(a.map(Path::getFileName).map(Path::toString).sorted().toList());
    }
  }

  /** Three versions of a card (each backup after a commit), made by the CLI. */
  private DaemonHarness threeVersions() throws Exception {
    DaemonHarness d = new DaemonHarness(tmp);
    for (int i = 0; i < 3; i++) {
      if (i > 0) {
        d.commit(200 + i);
      }
      Cli.Result r = Cli.run("backup", "--repo", d.repo.toString(), "--source", d.card.toString());
      assertThat(r.exitCode()).as(r.err()).isZero();
    }
    return d;
  }

  private Path plainRepository(String name) {
    Path repo = tmp.resolve(name);
    Cli.Result init = Cli.run("init", "--repo", repo.toString(), "--backend", "plain");
    assertThat(init.exitCode()).as(init.toString()).isZero();
    return repo;
  }

  private static List<String> ids(Path repo) throws IOException {
    try (var s = Files.list(repo.resolve("hosts/rpi/versions"))) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> !n.startsWith("."))
          .sorted()
          .toList();
    }
  }

  @Test
  void replicationGivesTheSameSummaryInTheDaemonsJvmAndInAChildAndKeepsOnlyWhatTheRulesKeep()
      throws Exception {
    DaemonHarness d = threeVersions();
    Path here = plainRepository("here");
    Path there = plainRepository("there");
    RetentionPolicy keepTwo = new RetentionPolicy(2, 0, 0, 0, 0, Duration.ZERO);
    ReplicaSettings toHere =
        new ReplicaSettings("a", here.toString(), "0 0 5 * * ?", Optional.empty(), keepTwo);
    ReplicaSettings toThere =
        new ReplicaSettings("b", there.toString(), "0 0 5 * * ?", Optional.empty(), keepTwo);

    RepositoryWork.ReplicaSummary expected = inProcess(d.repo).replicate(toHere, "rpi", WAIT);
    RepositoryWork.ReplicaSummary child =
        new ChildWork(ChildBackupTest.lbuvault(), d.repo).replicate(toThere, "rpi", WAIT);

    // The oldest is not sent: the target's rules would remove it on arrival.
    assertThat(expected).isEqualTo(new RepositoryWork.ReplicaSummary(2, 0, 0, List.of()));
    assertThat(child).isEqualTo(expected);
    List<String> source = ids(d.repo);
    assertThat(ids(here)).isEqualTo(source.subList(1, 3));
    assertThat(ids(there)).isEqualTo(source.subList(1, 3));
    Cli.Result verified = Cli.run("verify", "--repo", there.toString());
    assertThat(verified.exitCode()).as(verified.toString()).isZero();

    // A fourth version: sent, and the target then prunes its oldest down to two.
    d.commit(300);
    Cli.Result r = Cli.run("backup", "--repo", d.repo.toString(), "--source", d.card.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    RepositoryWork.ReplicaSummary second =
        new ChildWork(ChildBackupTest.lbuvault(), d.repo).replicate(toThere, "rpi", WAIT);
    assertThat(second).isEqualTo(new RepositoryWork.ReplicaSummary(1, 2, 1, List.of()));
    assertThat(second.held()).isEqualTo(2);
    assertThat(ids(there)).isEqualTo(ids(d.repo).subList(2, 4));
  }

  @Test
  void aReplicateChildLeavesATargetThatIsNotARepositoryEmpty() throws Exception {
    DaemonHarness d = threeVersions();
    // What an unmounted disk's mount point looks like.
    Path mountPoint = Files.createDirectories(tmp.resolve("mnt/usb"));
    ReplicaSettings target = new ReplicaSettings("usb", mountPoint.toString(), "0 0 5 * * ?");

    assertThatThrownBy(
            () -> new ChildWork(ChildBackupTest.lbuvault(), d.repo).replicate(target, "rpi", WAIT))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(mountPoint.toString())
        .hasMessageContaining("not an lbuvault repository");
    try (var s = Files.list(mountPoint)) {
      assertThat(s.toList()).isEmpty();
    }
  }

  @Test
  void theReplicateAndStatusChildrenGetPathsAndOptionsButNoPassword() throws Exception {
    Path pw = tmp.resolve("apkovl.pw");
    ChildWork child = new ChildWork(List.of("lbuvault"), tmp.resolve("repo"), Optional.of(pw));
    Path key = Files.writeString(tmp.resolve("id_ed25519"), "not a real key\n");
    var ssh =
        new SshAccess(Optional.of(key), List.of("Port=2222"))
            .command("ssh://backup@nas/srv/lbuvault");
    ReplicaSettings offsite =
        new ReplicaSettings(
            "nas",
            "ssh://backup@nas/srv/lbuvault",
            "0 0 5 * * ?",
            Optional.of(ssh),
            new RetentionPolicy(0, 7, 0, 0, 0, Duration.ZERO));

    assertThat(child.replicateArguments(offsite, "rpi", Duration.ofMinutes(10)))
        .containsSequence("replicate", "--json", "--repo", tmp.resolve("repo").toString())
        .containsSequence("--to", "ssh://backup@nas/srv/lbuvault")
        .containsSequence("--host", "rpi", "--lock-wait", "PT10M")
        .containsSequence("--ssh-identity", key.toString())
        .containsSequence("--ssh-option", "Port=2222")
        .containsSequence("--keep-daily", "7")
        .doesNotContain("--no-create", "--keep-last");
    assertThat(
            child.replicateArguments(
                new ReplicaSettings("usb", "/mnt/usb", "0 0 5 * * ?"), "rpi", Duration.ZERO))
        .contains("--no-create")
        .noneMatch(a -> a.startsWith("--keep-") || a.startsWith("--ssh-"));
    assertThat(child.statusArguments("rpi", Path.of("/")))
        .containsSequence("status", "--json", "--repo", tmp.resolve("repo").toString())
        .containsSequence("--host", "rpi", "--root", "/")
        .containsSequence("--password-file", pw.toString());
  }

  @Test
  void aStatusChildThatFailsBeforeItsResultIsReportedByItsOwnLineNotAsUnreadable()
      throws Exception {
    // Exit 1 is both status's "changes" and Main's internal error; the latter prints no JSON.
    Path failing = tmp.resolve("failing-launcher");
    Files.writeString(
        failing, "#!/bin/sh\necho 'lbuvault: internal error: java.lang.Error: boom' >&2\nexit 1\n");
    Files.setPosixFilePermissions(failing, PosixFilePermissions.fromString("rwx------"));
    ChildWork child = new ChildWork(List.of(failing.toString()), tmp.resolve("repo"));

    assertThatThrownBy(() -> child.uncommitted("rpi", tmp))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("internal error: java.lang.Error: boom")
        .hasMessageNotContaining("unreadable");
  }

  @Test
  void aChildKilledBySignalIsAFailedRunNotAHang() throws Exception {
    DaemonHarness d = new DaemonHarness(tmp);
    ChildWork child = new ChildWork(List.of(launcher("kill -9 $$").toString()), d.repo);

    long start = System.nanoTime();
    assertThatThrownBy(() -> child.verify("rpi"))
        .isInstanceOf(InterruptedIOException.class)
        .hasMessageContaining("killed by signal 9");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
  }

  @ParameterizedTest
  @ValueSource(strings = {"SEGV", "ABRT"})
  void aChildJvmThatCrashesIsAFailedRunNamingTheSignalNotAStop(String signal) throws Exception {
    DaemonHarness d = new DaemonHarness(tmp);
    Cli.Result backup =
        Cli.run("backup", "--repo", d.repo.toString(), "--source", d.card.toString());
    assertThat(backup.exitCode()).as(backup.err()).isZero();
    // The crashing JVM writes its hs_err report here and no core file.
    ChildWork child =
        new ChildWork(
            List.of(
                launcher(
                        "ulimit -c 0; export JAVA_TOOL_OPTIONS='-XX:ErrorFile="
                            + tmp
                            + "/hs_err_%p.log'")
                    .toString()),
            d.repo);
    Repository repo = Repository.open(d.repo, ProcessRunner.system());
    StoredVersion version = repo.versions("rpi").get(0);
    // A prune's lock on the version holds the verify child, a running JVM, until it is killed.
    try (ReadLock pruning =
        ReadLock.exclusive(repo, version, Instant.now(), Clock.systemUTC()).orElseThrow()) {
      CompletableFuture<RepositoryWork.VerifySummary> verify =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return child.verify("rpi");
                } catch (IOException e) {
                  throw new CompletionException(e);
                }
              });
      Waits.until(WAIT, "the verify child waiting for its read lock", this::childHoldsReadersLock);
      long pid = pids().get(0);
      assertThat(Commands.run(tmp, List.of("kill", "-" + signal, Long.toString(pid))).exitCode())
          .isZero();

      assertThatThrownBy(() -> verify.get(WAIT.toSeconds(), TimeUnit.SECONDS))
          .cause()
          .isInstanceOf(IOException.class)
          .isNotInstanceOf(InterruptedIOException.class)
          .hasMessage("the verify's child process crashed: killed by signal 6 (SIGABRT)");
    }
    if (signal.equals("SEGV")) {
      // The JVM took the SIGSEGV for a crash of its own: it wrote its report, then aborted.
      try (var reports = Files.list(tmp)) {
        assertThat(reports.map(p -> p.getFileName().toString()))
            .contains("hs_err_" + pids().get(0) + ".log");
      }
    }
  }

  /** Whether the recorded verify child has the host's readers.lock open (it waits for it). */
  private boolean childHoldsReadersLock() throws IOException {
    if (pids().isEmpty()) {
      return false;
    }
    try (var fds = Files.list(Path.of("/proc", pids().get(0).toString(), "fd"))) {
      return fds.anyMatch(
          fd -> {
            try {
              return Files.readSymbolicLink(fd).endsWith(ReadLock.FILE);
            } catch (IOException gone) {
              return false;
            }
          });
    } catch (java.nio.file.NoSuchFileException exited) {
      return false;
    }
  }

  @Test
  void aPruneChildThatCannotLockTheRepositoryFailsWithItsOneLineError() throws Exception {
    DaemonHarness d = new DaemonHarness(tmp);
    assertThat(Cli.run("backup", "--repo", d.repo.toString(), "--source", d.card.toString()))
        .extracting(Cli.Result::exitCode)
        .isEqualTo(0);
    ChildWork child = new ChildWork(ChildBackupTest.lbuvault(), d.repo);
    Repository repo = Repository.open(d.repo, ProcessRunner.system());
    RetentionPolicy keepOne = new RetentionPolicy(1, 0, 0, 0, 0, Duration.ZERO);
    try (RepositoryLock held = repo.lock(Duration.ZERO, Clock.systemUTC(), "test")) {
      assertThatThrownBy(() -> child.prune("rpi", keepOne, Duration.ofSeconds(1)))
          .isInstanceOf(IOException.class)
          .isNotInstanceOf(InterruptedIOException.class)
          .hasMessageContaining("lock")
          .hasMessageNotContaining("lbuvault: ");
    }
    assertThat(d.versions()).hasSize(1);
  }

  @Test
  void thePruneChildGetsEveryRuleAndTheLockWait() {
    ChildWork child = new ChildWork(List.of("lbuvault"), tmp.resolve("repo"));
    RetentionPolicy policy = new RetentionPolicy(1, 7, 4, 12, 3, Duration.ofHours(36));

    assertThat(child.pruneArguments("rpi", policy, Duration.ofSeconds(90)))
        .containsSequence("prune", "--json", "--repo", tmp.resolve("repo").toString())
        .containsSequence("--host", "rpi")
        .containsSequence("--lock-wait", "PT1M30S")
        .containsSequence("--keep-last", "1")
        .containsSequence("--keep-daily", "7")
        .containsSequence("--keep-weekly", "4")
        .containsSequence("--keep-monthly", "12")
        .containsSequence("--keep-yearly", "3")
        .containsSequence("--keep-within", "1d12h");
    assertThat(child.pruneArguments("rpi", RetentionPolicy.none(), Duration.ZERO))
        .noneMatch(a -> a.startsWith("--keep-"));
  }

  /**
   * The heal loop end to end: a clean first verify, damage, a verify that finds it, the heal backup
   * from the card, then prune down to one version; the same metrics whether the daemon verified and
   * pruned in its own JVM or in children.
   */
  @ParameterizedTest(name = "in a child: {0}")
  @ValueSource(booleans = {false, true})
  void theDaemonsVerifyHealAndPruneEndTheSameInItsJvmAndInChildren(boolean children)
      throws Exception {
    DaemonHarness d =
        new DaemonHarness(tmp)
            .set("verify.schedule", "0/2 * * * * ?")
            .set("keep.last", "1")
            .set("rescan", "1h");
    if (children) {
      d.backupsIn(List.of(launcher("").toString()));
    }
    try (d) {
      d.start();
      Waits.until(
          WAIT,
          "a clean verify",
          () -> d.value("lbuvault_verify_last_success_timestamp_seconds", H) > 0);
      Path first = d.versions().get(0);
      Path damaged = first.resolve("card/boot/vmlinuz-rpi");
      FileTime mtime = Files.getLastModifiedTime(damaged);
      byte[] bytes = Files.readAllBytes(damaged);
      bytes[7] ^= 0x10;
      Files.write(damaged, bytes);
      Files.setLastModifiedTime(damaged, mtime);

      Waits.until(WAIT, "the heal backup and the prune", () -> !Files.exists(first));
      Waits.until(
          WAIT,
          "a clean verify of the healed version",
          () ->
              d.value("lbuvault_versions", H) == 1
                  && d.value("lbuvault_verify_damaged_files", H) == 0
                  && d.value("lbuvault_versions_damaged", H) == 0);
      assertThat(d.versions()).hasSize(1);
      Path fresh = d.versions().get(0).resolve("card/boot/vmlinuz-rpi");
      assertThat(Files.readAllBytes(fresh))
          .isEqualTo(Files.readAllBytes(d.card.resolve("boot/vmlinuz-rpi")));
      assertThat(d.value("lbuvault_backup_runs_total", H + ",result=\"stored\"")).isEqualTo(2);
      assertThat(d.value("lbuvault_backup_runs_total", H + ",result=\"failed\"")).isZero();
    }
    if (children) {
      List<String> calls = Files.readAllLines(tmp.resolve("calls"));
      assertThat(calls).anyMatch(c -> c.startsWith("verify --json --repo " + d.repo));
      assertThat(calls).anyMatch(c -> c.startsWith("prune --json --repo " + d.repo));
    } else {
      assertThat(tmp.resolve("calls")).doesNotExist();
    }
  }

  @Test
  void aVerifyChildKilledUnderTheDaemonIsLoggedAndTheDaemonGoesOnBackingUp() throws Exception {
    try (DaemonHarness d =
        new DaemonHarness(tmp)
            .set("verify.schedule", "0/2 * * * * ?")
            .set("rescan", "1h")
            .backupsIn(List.of(launcher("kill -9 $$").toString()))
            .start()) {
      Waits.until(WAIT, "two killed verify children", () -> pids().size() >= 2);
      assertThat(d.value("lbuvault_verify_last_success_timestamp_seconds", H)).isZero();
      d.commit(7);
      Waits.until(
          WAIT,
          "a backup after the killed verifies",
          () -> d.value("lbuvault_backup_runs_total", H + ",result=\"stored\"") == 2);
      assertThat(d.versions()).hasSize(2);
    }
  }

  @Test
  void stoppingTheDaemonEndsARunningVerifyChildPromptlyAndLeavesTheLockFree() throws Exception {
    DaemonHarness d =
        new DaemonHarness(tmp)
            .set("verify.schedule", "0/2 * * * * ?")
            .set("rescan", "1h")
            .backupsIn(List.of(launcher("exec sleep 600").toString()));
    d.start();
    Waits.until(WAIT, "the verify child", () -> !pids().isEmpty());
    long pid = pids().get(0);
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).contains(true);
    long start = System.nanoTime();
    d.stop();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
    assertThat(Leftovers.lockFree(d.repo)).isTrue();
  }

  private List<Long> pids() throws IOException {
    Path p = tmp.resolve("pids");
    return Files.exists(p)
        ? Files.readAllLines(p).stream().map(String::strip).map(Long::parseLong).toList()
        : List.of();
  }
}
