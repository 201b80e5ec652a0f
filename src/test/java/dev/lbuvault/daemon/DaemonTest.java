package dev.lbuvault.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.RepositoryLock;
import dev.lbuvault.status.DaemonState;
import dev.lbuvault.status.StateStore;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Http;
import dev.lbuvault.testing.Leftovers;
import dev.lbuvault.testing.OpenFiles;
import dev.lbuvault.testing.Waits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon in-process against a real card directory, a plain repository and inotify. */
class DaemonTest {
  private static final String H = "host=\"rpi\"";
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path tmp;

  @Test
  void backsUpAtFirstStartThenAfterEachCommitAndServesMetrics() throws Exception {
    try (DaemonHarness d = new DaemonHarness(tmp).set("rescan", "1h").start()) {
      Waits.until(WAIT, "the first version", () -> d.versions().size() == 1);
      assertThat(Http.get(d.url("/healthz"))).isEqualTo(new Http.Response(200, "ok\n"));
      Waits.until(WAIT, "metrics of the first version", () -> d.value("lbuvault_versions", H) == 1);

      d.commit(11);
      Waits.until(WAIT, "a version made from the commit", () -> d.versions().size() == 2);
      Waits.until(
          WAIT,
          "two stored runs",
          () -> d.value("lbuvault_backup_runs_total", H + ",result=\"stored\"") == 2);
      String text = d.scrape();
      assertThat(Http.sample(text, "lbuvault_source_up{" + H + "}")).contains(1.0);
      assertThat(Http.sample(text, "lbuvault_backup_runs_total{" + H + ",result=\"failed\"}"))
          .contains(0.0);
      double apkovl =
          Files.getLastModifiedTime(d.card.resolve("rpi.apkovl.tar.gz")).toMillis() / 1000.0;
      assertThat(Http.sample(text, "lbuvault_source_apkovl_modified_timestamp_seconds{" + H + "}"))
          .contains(apkovl);
      assertThat(
              Http.sample(text, "lbuvault_backup_last_success_timestamp_seconds{" + H + "}")
                  .orElseThrow())
          .isGreaterThanOrEqualTo(apkovl);
      assertThat(text).contains("process_resident_memory_bytes", "process_cpu_seconds_total");
      // the verify schedule's first run, because versions now exist only after the first start
      assertThat(Http.sample(text, "lbuvault_verify_last_success_timestamp_seconds{" + H + "}"))
          .contains(0.0);
    }
  }

  @Test
  void aMissedScheduleRunsOneBackupAtStartupAndARestartRestoresTheMetrics() throws Exception {
    assertThat(Cli.run("init", "--repo", tmp.resolve("unused").toString()).exitCode()).isZero();
    DaemonHarness d = new DaemonHarness(tmp);
    assertThat(
            Cli.run("backup", "--repo", d.repo.toString(), "--source", d.card.toString())
                .exitCode())
        .isZero();
    // The daemon last handled a schedule two days ago: the machine was off at its hour since.
    // That hour is twelve hours away, so the schedule itself cannot fire during the test.
    StateStore store = StateStore.of(Repository.open(d.repo, ProcessRunner.system()), "rpi");
    store.update(s -> s.withScheduledBackup(Instant.now().minus(Duration.ofDays(2))));
    int hour = (LocalTime.now().getHour() + 12) % 24;
    d.set("backup.schedule", "0 0 " + hour + " * * ?").start();
    Waits.until(
        WAIT,
        "the catch-up run",
        () -> d.value("lbuvault_backup_runs_total", H + ",result=\"unchanged\"") == 1);
    Thread.sleep(2500); // settle + startup check: the card matches the newest version, no 2nd run
    assertThat(d.value("lbuvault_backup_runs_total", H + ",result=\"unchanged\"")).isEqualTo(1);
    DaemonState after = store.read();
    assertThat(after.lastScheduledBackup().orElseThrow()).isAfter(Instant.now().minusSeconds(60));
    double success = d.value("lbuvault_backup_last_success_timestamp_seconds", H);
    d.stop();
    assertThat(Leftovers.lockFree(d.repo)).isTrue();
    assertThat(Leftovers.tempEntries(d.repo)).isEmpty();

    d.start();
    Waits.until(
        WAIT, "the restarted daemon's metrics", () -> d.sample("lbuvault_versions", H).isPresent());
    assertThat(d.value("lbuvault_backup_last_success_timestamp_seconds", H)).isEqualTo(success);
    assertThat(d.value("lbuvault_backup_runs_total", H + ",result=\"unchanged\"")).isEqualTo(1);
    assertThat(d.value("lbuvault_versions", H)).isEqualTo(1);
    d.close();
  }

  @Test
  void waitsWhileLbuIsWritingTheCard() throws Exception {
    try (DaemonHarness d = new DaemonHarness(tmp).set("rescan", "1h").start()) {
      Waits.until(WAIT, "the first version", () -> d.versions().size() == 1);
      Path partial = d.card.resolve("rpi.apkovl.tar.gz.new");
      Files.copy(d.card.resolve("rpi.apkovl.tar.gz"), partial);
      Thread.sleep(4000); // several settle periods with the .new present: no run
      assertThat(d.value("lbuvault_backup_runs_total", H + ",result=\"busy\"")).isZero();
      assertThat(d.value("lbuvault_backup_runs_total", H + ",result=\"stored\"")).isEqualTo(1);
      Path fresh = d.card.resolveSibling("fresh.apkovl.tar.gz");
      dev.lbuvault.testing.Cards.apkovl(fresh, "rpi", 51);
      Files.copy(fresh, partial, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      Files.move(
          partial,
          d.card.resolve("rpi.apkovl.tar.gz"),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      Waits.until(WAIT, "the version once lbu is done", () -> d.versions().size() == 2);
    }
  }

  @Test
  void prunesAfterEachStoredVersion() throws Exception {
    try (DaemonHarness d =
        new DaemonHarness(tmp).set("keep.last", "1").set("rescan", "1h").start()) {
      Waits.until(WAIT, "the first version", () -> d.versions().size() == 1);
      Path first = d.versions().get(0);
      d.commit(21);
      Waits.until(
          WAIT,
          "the second run",
          () -> d.value("lbuvault_backup_runs_total", H + ",result=\"stored\"") == 2);
      Waits.until(
          WAIT, "the prune", () -> d.versions().size() == 1 && !d.versions().get(0).equals(first));
      Waits.until(WAIT, "the version gauge", () -> d.value("lbuvault_versions", H) == 1);
    }
  }

  @Test
  void aBackupWaitsForACliWriterThenCountsAsFailed() throws Exception {
    DaemonHarness d = new DaemonHarness(tmp).set("lock.wait", "2s").set("rescan", "1h");
    Repository repo = Repository.open(d.repo, ProcessRunner.system());
    try (RepositoryLock held = repo.lock(Duration.ZERO, Clock.systemUTC(), "test")) {
      d.start();
      Waits.until(
          WAIT,
          "a failed run",
          () -> d.value("lbuvault_backup_runs_total", H + ",result=\"failed\"") == 1);
      assertThat(d.versions()).isEmpty();
      assertThat(d.value("lbuvault_backup_last_success_timestamp_seconds", H)).isEqualTo(0);
      assertThat(d.value("lbuvault_backup_last_attempt_timestamp_seconds", H)).isGreaterThan(0);
    }
    d.commit(31);
    Waits.until(WAIT, "a version once the lock is free", () -> d.versions().size() == 1);
    d.close();
  }

  @Test
  void verifyRunsOnItsScheduleAndReportsDamage() throws Exception {
    try (DaemonHarness d =
        new DaemonHarness(tmp)
            .set("verify.schedule", "0/2 * * * * ?")
            .set("rescan", "1h")
            .start()) {
      Waits.until(
          WAIT,
          "a clean verify",
          () -> d.value("lbuvault_verify_last_success_timestamp_seconds", H) > 0);
      Path config = d.versions().get(0).resolve("card/config.txt");
      config.getParent().toFile().setWritable(true, true);
      config.toFile().setWritable(true, true);
      Files.writeString(config, "damaged\n");
      Waits.until(WAIT, "the damage", () -> d.value("lbuvault_verify_damaged_files", H) == 1);
    }
  }

  @Test
  void stopAbandonsABackupStuckBehindTheLockWithinTheBudget() throws Exception {
    DaemonHarness d = new DaemonHarness(tmp).set("lock.wait", "10m").set("rescan", "1h");
    Repository repo = Repository.open(d.repo, ProcessRunner.system());
    try (RepositoryLock held = repo.lock(Duration.ZERO, Clock.systemUTC(), "test")) {
      d.start();
      Path lock = d.repo.resolve("lock");
      // ours, and the startup backup's (it opens the file before it tries to lock it)
      Waits.until(
          WAIT,
          "the startup backup to wait for the lock",
          () -> OpenFiles.count(ProcessHandle.current(), lock) >= 2);
      long start = System.nanoTime();
      d.stop();
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(took).isLessThan(Duration.ofSeconds(30)).isGreaterThan(Duration.ofSeconds(10));
    }
    assertThat(Leftovers.lockFree(d.repo)).isTrue();
    assertThat(Leftovers.tempEntries(d.repo)).isEmpty();
    // abandoned, so not counted
    assertThat(StateStore.of(repo, "rpi").read().lastAttempt()).isEmpty();
  }
}
