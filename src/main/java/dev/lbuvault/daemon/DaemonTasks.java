package dev.lbuvault.daemon;

import dev.lbuvault.backup.BackupOutcome;
import dev.lbuvault.backup.BackupRequest;
import dev.lbuvault.backup.BackupResult;
import dev.lbuvault.repo.HostNames;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.RepositoryLock;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.repo.VersionId;
import dev.lbuvault.source.SourceBusyException;
import dev.lbuvault.status.DaemonState;
import dev.lbuvault.status.HostChoice;
import dev.lbuvault.status.HostStatus;
import dev.lbuvault.status.RepositoryStats;
import dev.lbuvault.status.RunResult;
import dev.lbuvault.status.SourceProbe;
import dev.lbuvault.status.SourceSnapshot;
import dev.lbuvault.status.StateStore;
import dev.lbuvault.status.StatusSink;
import dev.lbuvault.text.ByteSizes;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.quartz.CronExpression;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's work: backup (then prune), verify, and keeping the host's status (state file,
 * repository counts, what the last look at the card found) current for the metrics. Every run holds
 * one shared lock, so a backup and a verify never overlap even though Quartz would run two
 * different jobs at once; a CLI run is kept out by the repository's own writer lock, which a backup
 * waits for up to {@code lock.wait}. A run interrupted at shutdown is abandoned cleanly: its
 * half-built version is removed and it is not counted, because it runs again after the restart.
 */
final class DaemonTasks implements SourceWatcher.Listener {
  private static final Logger LOG = LoggerFactory.getLogger("lbuvault");
  static final String REASON_SCHEDULE = "schedule";
  static final String REASON_CATCH_UP = "catch-up";
  static final String REASON_HEAL = "heal";
  private static final int MAX_BUSY_RETRIES = 3;

  private final DaemonSettings settings;
  private final SourceSettings source;
  private final WorkGate gate;
  private final Repository repository;
  private final Clock clock;
  private final StatusSink sink;
  private final BackupRunner backups;
  private final RepositoryWork work;
  private volatile Scheduling scheduling;

  // The status, guarded by "this".
  private HostChoice host;
  private DaemonState state = DaemonState.empty();
  private RepositoryStats stats = RepositoryStats.empty();
  private Boolean sourceUp;
  private Optional<Instant> apkovlModified = Optional.empty();
  private int busyRetries;

  DaemonTasks(
      DaemonSettings settings,
      SourceSettings source,
      WorkGate gate,
      Repository repository,
      Clock clock,
      StatusSink sink,
      BackupRunner backups,
      RepositoryWork work) {
    this.settings = settings;
    this.source = source;
    this.gate = gate;
    this.repository = repository;
    this.clock = clock;
    this.sink = sink;
    this.backups = backups;
    this.work = work;
  }

  void setScheduling(Scheduling scheduling) {
    this.scheduling = scheduling;
  }

  /** Restores the host's status from the repository and its state file, and publishes it. */
  synchronized void initialize() {
    SourceSnapshot snap = probe(null);
    loadHost(HostChoice.choose(source.host(), snap, repository));
    applySource(snap);
    publish();
  }

  synchronized String hostName() {
    return host.name();
  }

  synchronized DaemonState state() {
    return state;
  }

  /**
   * The scheduled backup time missed since the last one handled (the machine was off), if any. The
   * first time a schedule is seen, now becomes the reference and nothing counts as missed.
   */
  synchronized Optional<Instant> missedSchedule(CronExpression cron) {
    Instant now = clock.instant();
    Optional<Instant> last = state.lastScheduledBackup();
    if (last.isEmpty()) {
      persist(s -> s.withScheduledBackup(now));
      return Optional.empty();
    }
    Date next = cron.getNextValidTimeAfter(Date.from(last.get()));
    return next != null && !next.toInstant().isAfter(now)
        ? Optional.of(next.toInstant())
        : Optional.empty();
  }

  /** This host's record of replication target {@code target}. */
  synchronized DaemonState.Replica replica(String target) {
    return state.replica(target);
  }

  /** Records a replication of this host to {@code target} in the state file. */
  synchronized void recordReplica(String target, DaemonState.Replica replica) {
    persist(s -> s.withReplica(target, replica));
  }

  /** True when the host has no version yet. */
  synchronized boolean neverBackedUp() {
    return stats.versions() == 0;
  }

  /** True when the host has versions but no verify has ever completed. */
  synchronized boolean neverVerified() {
    return state.lastVerify().isEmpty() && stats.versions() > 0;
  }

  // ---------------------------------------------------------------- backup

  /** One backup run (then prune after a stored version); never throws. */
  void backup(String reason) {
    if (!enter()) {
      return;
    }
    try {
      runBackup(reason);
    } finally {
      leave();
    }
  }

  private void runBackup(String reason) {
    Instant start = clock.instant();
    BackupRequest request =
        new BackupRequest(
            settings.ssh().locate(source.location()), source.host(), false, settings.lockWait());
    RunResult result;
    BackupResult r = null;
    String detail = "";
    try {
      r = backups.run(request);
      result = r.outcome() == BackupOutcome.STORED ? RunResult.STORED : RunResult.UNCHANGED;
    } catch (SourceBusyException e) {
      result = RunResult.BUSY;
      detail = e.getMessage();
    } catch (Exception e) {
      if (abandoned(e)) {
        cleanUpAfterAbandon("backup (" + reason + ")");
        return;
      }
      result = RunResult.FAILED;
      detail = describe(e);
    }
    Instant end = clock.instant();
    Duration elapsed = Duration.between(start, end);
    RepositoryWork.PruneSummary pruned = null;
    String pruneError = null;
    if (result == RunResult.STORED && !settings.retention().isEmpty()) {
      try {
        pruned = work.prune(r.host(), settings.retention(), settings.lockWait());
        for (String id : pruned.busy()) {
          LOG.warn("prune: kept version {} for now: a recover, verify or show is reading it", id);
        }
      } catch (Exception e) {
        if (abandoned(e)) {
          cleanUpAfterAbandon("prune");
        } else {
          pruneError = describe(e);
        }
      }
    }
    boolean retry;
    synchronized (this) {
      if (r != null && !r.host().equals(host.name())) {
        loadHost(new HostChoice(r.host(), true));
      }
      RunResult counted = result;
      boolean scheduled = reason.equals(REASON_SCHEDULE) || reason.equals(REASON_CATCH_UP);
      persist(
          s -> {
            DaemonState next = s.withBackup(counted, end, elapsed);
            return scheduled ? next.withScheduledBackup(start) : next;
          });
      if (result == RunResult.STORED || pruned != null) {
        refreshStats();
      }
      applySource(probe(result));
      logBackup(reason, result, r, detail, elapsed);
      logPrune(pruned, pruneError);
      publish();
      busyRetries = result == RunResult.BUSY ? busyRetries + 1 : 0;
      retry = result == RunResult.BUSY && busyRetries <= MAX_BUSY_RETRIES;
    }
    Scheduling s = scheduling;
    if (retry && s != null && !gate.stopping()) {
      s.backupLater("retry", settings.settle());
    }
  }

  private void logBackup(
      String reason, RunResult result, BackupResult r, String detail, Duration elapsed) {
    String prefix = "backup (" + reason + "): ";
    switch (result) {
      case STORED ->
          LOG.info(
              "{}stored version {} of host {}: {} files, {}, {} read from the card, in {}",
              prefix,
              r.versionId(),
              r.host(),
              r.files(),
              ByteSizes.human(r.totalBytes()),
              ByteSizes.human(r.bytesCopied()),
              seconds(elapsed));
      case UNCHANGED ->
          LOG.info(
              "{}unchanged: the card matches version {} of host {}",
              prefix,
              r.versionId(),
              r.host());
      case BUSY -> LOG.warn("{}{}", prefix, detail);
      case FAILED -> LOG.error("{}failed: {}", prefix, detail);
    }
    if (r != null) {
      for (String w : r.warnings()) {
        LOG.warn("backup warning: {}", w);
      }
    }
  }

  private static void logPrune(RepositoryWork.PruneSummary pruned, String error) {
    if (error != null) {
      LOG.error("prune failed: {}", error);
      return;
    }
    if (pruned != null && pruned.removed() > 0) {
      // Versions a reader kept are counted neither as removed nor as looked at, as before.
      LOG.info(
          "prune: removed {} of {} versions",
          pruned.removed(),
          pruned.versions() - pruned.busy().size());
    }
  }

  // ---------------------------------------------------------------- verify

  /** One verify of every version of the host; never throws. */
  void verify(String reason) {
    if (!enter()) {
      return;
    }
    try {
      runVerify(reason);
    } finally {
      leave();
    }
  }

  private void runVerify(String reason) {
    String h = hostName();
    if (!HostNames.isValid(h)) {
      return;
    }
    try {
      List<StoredVersion> versions = repository.versions(h);
      if (versions.isEmpty()) {
        LOG.info("verify ({}): host {} has no versions yet", reason, h);
        return;
      }
      Instant start = clock.instant();
      RepositoryWork.VerifySummary report = work.verify(h);
      // A version a CLI prune removed meanwhile is gone, not damaged.
      List<String> problems = new ArrayList<>();
      for (String p : report.problems()) {
        String id = RepositoryWork.VerifySummary.versionOf(p);
        if (VersionId.isValid(id)
            && Files.isDirectory(repository.host(h).version(new VersionId(id)))) {
          problems.add(p);
        }
      }
      Instant end = clock.instant();
      long damaged = problems.size();
      synchronized (this) {
        persist(s -> s.withVerify(end, damaged));
        refreshStats();
        publish();
      }
      if (damaged == 0) {
        LOG.info(
            "verify ({}): {} versions of host {}, {} files, {}: OK in {}",
            reason,
            report.versions(),
            h,
            report.files(),
            ByteSizes.human(report.bytes()),
            seconds(Duration.between(start, end)));
      } else {
        int shown = 0;
        for (String p : problems) {
          if (shown++ == 20) {
            LOG.error("verify: ... and {} more problems", problems.size() - 20);
            break;
          }
          LOG.error("verify: {}", p);
        }
        LOG.error(
            "verify ({}): {} problem(s) in the versions of host {}; run lbuvault verify for the list",
            reason,
            damaged,
            h);
      }
      report.nextStep().ifPresent(step -> LOG.warn("verify: {}", step));
      if (report.heal()) {
        // Heal now rather than at the next scheduled backup: until then every new version would
        // share the damaged copies.
        runBackup(REASON_HEAL);
      }
    } catch (Exception e) {
      if (abandoned(e)) {
        LOG.warn("verify ({}) abandoned at shutdown", reason);
      } else {
        LOG.error("verify ({}) failed: {}", reason, describe(e));
      }
    }
  }

  // ---------------------------------------------------------------- the card

  @Override
  public void scanned(SourceSnapshot snapshot) {
    synchronized (this) {
      boolean changed = applySource(snapshot);
      if (gate.idle()) {
        // A CLI backup or prune may have changed the versions meanwhile.
        changed |= refreshStatsIfChanged();
      }
      if (changed) {
        publish();
      }
    }
  }

  @Override
  public void settled(SourceSnapshot snapshot, boolean startup) {
    Scheduling s = scheduling;
    if (s == null || gate.stopping()) {
      return;
    }
    if (startup && !cardAhead(snapshot)) {
      LOG.debug("startup: the card's root matches the newest version");
      return;
    }
    s.backupNow(startup ? "startup" : "change");
  }

  /**
   * Whether a file at the card's root differs (name, size or mtime) from the newest version, or
   * there is no version yet: the cheap startup check for commits made while the daemon was down.
   */
  boolean cardAhead(SourceSnapshot snapshot) {
    String h = hostName();
    try {
      if (!HostNames.isValid(h)) {
        return true;
      }
      Optional<StoredVersion> newest = repository.newest(h);
      if (newest.isEmpty()) {
        return true;
      }
      Map<String, SourceSnapshot.Entry> files = new HashMap<>();
      snapshot
          .topLevel()
          .forEach(
              (n, e) -> {
                if (!e.directory()) {
                  files.put(n, e);
                }
              });
      int stored = 0;
      try (var entries = Files.newDirectoryStream(newest.get().card())) {
        for (Path p : entries) {
          BasicFileAttributes a =
              Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
          if (!a.isRegularFile()) {
            continue;
          }
          stored++;
          SourceSnapshot.Entry e = files.get(p.getFileName().toString());
          if (e == null || e.size() != a.size() || !e.mtime().equals(a.lastModifiedTime())) {
            return true;
          }
        }
      }
      return stored != files.size();
    } catch (NoSuchFileException e) {
      return true;
    } catch (IOException e) {
      return true;
    }
  }

  // ---------------------------------------------------------------- stopping

  private boolean enter() {
    return gate.enter();
  }

  private void leave() {
    gate.leave();
  }

  private boolean abandoned(Exception e) {
    return gate.stopping()
        && (Thread.currentThread().isInterrupted()
            || e instanceof InterruptedIOException
            || e instanceof ClosedByInterruptException);
  }

  /**
   * Removes what an interrupted backup or prune left (a {@code .partial-*} or {@code .deleting-*}
   * entry), so a stopped daemon leaves nothing behind. The interrupt flag is cleared first: with it
   * set, every file channel this thread opened would be closed at its first use.
   */
  private void cleanUpAfterAbandon(String what) {
    Thread.interrupted();
    String h = hostName();
    if (HostNames.isValid(h)) {
      try (RepositoryLock ignored =
          repository.lock(Duration.ofSeconds(3), clock, "daemon cleanup")) {
        repository.removeLeftovers(h);
      } catch (Exception e) {
        LOG.warn(
            "cleanup after abandoning {} failed: {}; the next writer removes the rest",
            what,
            describe(e));
      }
    }
    LOG.warn("{} abandoned at shutdown; it runs again after the restart", what);
  }

  // ---------------------------------------------------------------- status

  /** Switches to {@code choice}: reads its state file and counts its versions. */
  private void loadHost(HostChoice choice) {
    host = choice;
    state = DaemonState.empty();
    stats = RepositoryStats.empty();
    if (!HostNames.isValid(choice.name())) {
      return;
    }
    try {
      state = StateStore.of(repository, choice.name()).read();
    } catch (IOException e) {
      LOG.warn("{}; starting from an empty state", e.getMessage());
    }
    refreshStats();
  }

  private void refreshStats() {
    if (!HostNames.isValid(host.name())) {
      return;
    }
    try {
      stats = RepositoryStats.of(repository, host.name());
    } catch (IOException e) {
      LOG.warn("cannot count the versions of host {}: {}", host.name(), describe(e));
    }
  }

  /** Recounts when the number or the newest of the versions changed (one directory listing). */
  private boolean refreshStatsIfChanged() {
    if (!HostNames.isValid(host.name())) {
      return false;
    }
    try {
      List<StoredVersion> versions = repository.versions(host.name());
      Optional<Instant> newest =
          versions.isEmpty()
              ? Optional.empty()
              : Optional.of(versions.get(versions.size() - 1).id().time());
      if (versions.size() == stats.versions() && newest.equals(stats.newest())) {
        return false;
      }
    } catch (IOException e) {
      return false;
    }
    refreshStats();
    return true;
  }

  /** Records {@code change} in the state file (or only in memory for a guessed host name). */
  private void persist(UnaryOperator<DaemonState> change) {
    StateStore store =
        HostNames.isValid(host.name()) ? StateStore.of(repository, host.name()) : null;
    if (store != null && (host.authoritative() || store.hostExists())) {
      try {
        state = store.update(change);
        return;
      } catch (IOException e) {
        LOG.error("cannot write {}: {}", store.file(), describe(e));
      }
    }
    state = change.apply(state);
  }

  /** Takes in a look at the card; true when anything the metrics show changed. */
  private boolean applySource(SourceSnapshot snap) {
    boolean changed = false;
    if (sourceUp == null || sourceUp != snap.up()) {
      if (snap.up()) {
        if (sourceUp != null) {
          LOG.info("source {} is up again", source.location());
        }
      } else {
        LOG.warn("source down: {}; checking again every {}", snap.problem(), settings.rescan());
      }
      sourceUp = snap.up();
      changed = true;
    }
    Optional<Instant> mtime = snap.apkovlModified(host.name());
    if (mtime.isPresent() && !mtime.equals(apkovlModified)) {
      apkovlModified = mtime;
      changed = true;
    }
    return changed;
  }

  /**
   * A look at the card: a stat of a local mount point; for a source read over ssh, which has
   * nothing local to look at, what the last backup found ({@code last}: null before any), up until
   * a run failed to reach it.
   */
  private SourceSnapshot probe(RunResult last) {
    if (!source.remote()) {
      return SourceProbe.probe(source.dir());
    }
    if (last == RunResult.FAILED) {
      return SourceSnapshot.down("the last backup from " + source.location() + " failed");
    }
    return new SourceSnapshot(true, "", Map.of(), List.of(), false);
  }

  /** The source this runs for. */
  SourceSettings source() {
    return source;
  }

  private void publish() {
    HostStatus status =
        new HostStatus(host.name(), state, stats, Boolean.TRUE.equals(sourceUp), apkovlModified);
    try {
      sink.publish(status);
    } catch (RuntimeException e) {
      LOG.error("publishing metrics failed: {}", e.toString());
    }
  }

  static String describe(Exception e) {
    String m = e.getMessage();
    if (e instanceof NoSuchFileException n) {
      return "no such file or directory: " + n.getFile();
    }
    return m == null ? e.getClass().getSimpleName() : m;
  }

  static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }
}
