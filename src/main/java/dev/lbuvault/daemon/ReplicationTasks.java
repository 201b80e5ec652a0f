package dev.lbuvault.daemon;

import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.repo.HostNames;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.RepositoryException;
import dev.lbuvault.status.DaemonState;
import dev.lbuvault.status.ReplicaSink;
import dev.lbuvault.status.ReplicaStatus;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's replication: each {@code [replicate NAME]} target on its own schedule, one host at a
 * time through {@link RepositoryWork#replicate} (a {@code lbuvault replicate --json} child JVM, so
 * the idle daemon keeps none of what sending loaded), inside the daemon's {@link WorkGate}, so a
 * replication never runs beside one of the daemon's backups of the same repository. A CLI writer of
 * the target is waited for up to {@code lock.wait} (the target's lock); a run that still finds it
 * locked is logged and tried again at the next run, not counted as a success. Each host's result is
 * kept in its state file and published as the replica metrics, which exist from the daemon's start
 * (0: never) so that a target that never worked is alerted on; a run that does not replicate a host
 * counts one failure for it, and so does a run whose {@code keep.*} prune the target refused (the
 * far key lacks {@code receive --allow-prune}): the backups go on. An {@code ssh://} target is sent
 * to as {@code lbuvault replicate --to ssh://} sends.
 */
final class ReplicationTasks {
  private static final Logger LOG = LoggerFactory.getLogger("lbuvault");

  private final DaemonSettings settings;
  private final WorkGate gate;
  private final Repository source;
  private final List<DaemonTasks> hosts;
  private final ReplicaSink sink;
  private final ProcessRunner runner;
  private final RepositoryWork work;
  private final Clock clock;

  ReplicationTasks(
      DaemonSettings settings,
      WorkGate gate,
      Repository source,
      List<DaemonTasks> hosts,
      ReplicaSink sink,
      ProcessRunner runner,
      RepositoryWork work,
      Clock clock) {
    this.settings = settings;
    this.gate = gate;
    this.source = source;
    this.hosts = List.copyOf(hosts);
    this.sink = sink;
    this.runner = runner;
    this.work = work;
    this.clock = clock;
  }

  /** Publishes every host's record of every target, so the series exist from the start. */
  void initialize() {
    for (ReplicaSettings target : settings.replicas()) {
      for (DaemonTasks h : hosts) {
        publish(h, target);
      }
    }
  }

  /** Whether some host that has versions was never replicated to {@code target}. */
  boolean neverReplicated(ReplicaSettings target) {
    return hosts.stream()
        .anyMatch(h -> !h.neverBackedUp() && h.replica(target.name()).lastSuccess().isEmpty());
  }

  /** One replication run to {@code target}; never throws. */
  void replicate(ReplicaSettings target, String reason) {
    if (!gate.enter()) {
      return;
    }
    try {
      run(target, reason);
    } finally {
      gate.leave();
    }
  }

  private void run(ReplicaSettings target, String reason) {
    String prefix = "replicate (" + reason + ") to " + target.name() + ": ";
    List<DaemonTasks> due =
        hosts.stream()
            .filter(h -> HostNames.isValid(h.hostName()) && !h.neverBackedUp())
            .toList(); // a host without versions has nothing to send; its record stays "never"
    try {
      requireRepository(target);
    } catch (IOException | RepositoryException | RuntimeException e) {
      LOG.error(
          "{}{} is not a repository it can open: {}; create it once with lbuvault replicate --repo"
              + " {} --to {} (or mount the disk it is on)",
          prefix,
          target.to(),
          DaemonTasks.describe(e),
          source.root(),
          target.to());
      due.forEach(h -> failed(h, target));
      return;
    }
    for (DaemonTasks h : due) {
      if (!replicateHost(prefix, target, h)) {
        return; // stopping
      }
    }
  }

  /**
   * A target directory must be a repository already (never created: an unmounted disk's mount point
   * must stay empty). An {@code ssh://} target's far {@code lbuvault receive} creates its
   * repository at the first request.
   */
  private void requireRepository(ReplicaSettings target) throws IOException, RepositoryException {
    if (target.ssh().isEmpty()) {
      Repository.open(Path.of(target.to()), runner);
    }
  }

  /** One host to one target; false when the daemon is stopping and the run was abandoned. */
  private boolean replicateHost(String prefix, ReplicaSettings target, DaemonTasks h) {
    String host = h.hostName();
    Instant start = clock.instant();
    RepositoryWork.ReplicaSummary report;
    try {
      report = work.replicate(target, host, settings.lockWait());
    } catch (Exception e) {
      if (abandoned(e)) {
        LOG.warn("{}abandoned at shutdown; it runs again at the next run", prefix);
        return false;
      }
      LOG.error("{}host {} not replicated: {}", prefix, host, DaemonTasks.describe(e));
      failed(h, target);
      return true;
    }
    for (String failure : report.failures()) {
      LOG.error("{}{}", prefix, failure);
    }
    if (!report.ok()) {
      failed(h, target);
      return true;
    }
    Instant end = clock.instant();
    long failures = h.replica(target.name()).failures();
    h.recordReplica(
        target.name(), new DaemonState.Replica(Optional.of(end), report.held(), failures));
    publish(h, target);
    LOG.info(
        "{}host {}: sent {} version(s), {} already there{}, in {}",
        prefix,
        host,
        report.sent(),
        report.alreadyThere(),
        report.removed() > 0 ? ", removed " + report.removed() + " from the target" : "",
        DaemonTasks.seconds(Duration.between(start, end)));
    return true;
  }

  /** Counts a run that did not replicate {@code h}; its last success and versions stay. */
  private void failed(DaemonTasks h, ReplicaSettings target) {
    h.recordReplica(target.name(), h.replica(target.name()).failedOnce());
    publish(h, target);
  }

  private boolean abandoned(Exception e) {
    return gate.stopping()
        && (Thread.currentThread().isInterrupted()
            || e instanceof InterruptedIOException
            || e instanceof ClosedByInterruptException);
  }

  private void publish(DaemonTasks h, ReplicaSettings target) {
    String host = h.hostName();
    if (!HostNames.isValid(host)) {
      return;
    }
    DaemonState.Replica r = h.replica(target.name());
    try {
      sink.publish(
          new ReplicaStatus(host, target.name(), r.lastSuccess(), r.versions(), r.failures()));
    } catch (RuntimeException e) {
      LOG.error("publishing replica metrics failed: {}", e.toString());
    }
  }
}
