package dev.lbuvault.replicate;

import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.prune.PruneOutcome;
import dev.lbuvault.repo.ReadLock;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.RepositoryException;
import dev.lbuvault.repo.RepositoryLock;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.repo.VersionId;
import dev.lbuvault.retention.RetentionPlanner;
import dev.lbuvault.retention.RetentionPolicy;
import dev.lbuvault.snapshot.BtrfsBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Copies a repository's versions into another repository, oldest first, skipping those the target
 * already holds. Between btrfs repositories each version goes with {@code btrfs send | btrfs
 * receive}, incremental from the newest older version both hold ({@link SendReceive}); into a
 * plain-backend target its tree is copied with files unchanged since the target's previous version
 * hard-linked to it ({@link TreeCopyTransfer}). Either way a version becomes visible on the target
 * only after it was checked there, a same-named version that is not a copy of the source's is never
 * overwritten, and a run killed at any instant leaves only hidden leftovers that the next writer
 * deletes. The target is an lbuvault repository in its own right.
 */
public final class Replicator {
  private final Repository source;
  // null only in a dry run into a repository that does not exist yet (see planIntoNew)
  private final Repository target;
  // set instead of target when the target is behind ssh
  private final SshTarget ssh;
  private final VersionTransport transport;
  private final Clock clock;

  public Replicator(Repository source, Repository target, ProcessRunner runner, Clock clock)
      throws RepositoryException {
    this.source = source;
    this.target = target;
    this.ssh = null;
    this.transport = transportFor(source, target, runner);
    this.clock = clock;
  }

  /** Replicates over ssh into {@code target}; only a btrfs source can be sent there. */
  public Replicator(Repository source, SshTarget target, Clock clock) throws RepositoryException {
    this.source = source;
    this.target = null;
    this.ssh = target;
    this.transport = target.transportFrom(source);
    this.clock = clock;
  }

  private Replicator(Repository source, Clock clock) {
    this.source = source;
    this.target = null;
    this.ssh = null;
    this.transport = null;
    this.clock = clock;
  }

  /**
   * For {@code replicate --dry-run} into a missing or empty directory: plans as if the target were
   * a new, empty repository (every version sent, the first in full), creating nothing. Only dry
   * runs are allowed.
   */
  public static Replicator planIntoNew(Repository source, Clock clock) {
    return new Replicator(source, clock);
  }

  /**
   * send | receive between btrfs repositories, a tree copy into a plain one. A plain source has no
   * snapshots to send, and a btrfs target pairs its versions by received UUID, which a copied tree
   * lacks: that one combination is refused.
   */
  private static VersionTransport transportFor(
      Repository source, Repository target, ProcessRunner runner) throws RepositoryException {
    boolean sourceBtrfs = source.backend() instanceof BtrfsBackend;
    boolean targetBtrfs = target.backend() instanceof BtrfsBackend;
    if (sourceBtrfs && targetBtrfs) {
      return new SendReceive(source, target, new BtrfsTransfer(runner));
    }
    if (!targetBtrfs) {
      return new TreeCopyTransfer(target);
    }
    throw new RepositoryException(
        source.root()
            + " uses the "
            + source.backend().name()
            + " backend and "
            + target.root()
            + " the btrfs backend, which only receives btrfs snapshots; replicate into a plain"
            + " repository instead (a new or empty --to DIR off btrfs, or one made with lbuvault"
            + " init --backend plain)");
  }

  /** Replicates {@code hosts} (all of the source's when empty), waiting {@code lockWait}. */
  public ReplicationReport replicate(List<String> hosts, Duration lockWait, boolean dryRun)
      throws IOException, RepositoryException {
    return replicate(hosts, lockWait, dryRun, RetentionPolicy.none(), ZoneOffset.UTC);
  }

  /**
   * Replicates {@code hosts} (all of the source's when empty), waiting {@code lockWait}, then
   * applies {@code keep} to the target (periods in {@code zone}) under the same lock, by {@link
   * ReplicaRetention}'s rule; versions the target would not keep are not sent.
   */
  public ReplicationReport replicate(
      List<String> hosts, Duration lockWait, boolean dryRun, RetentionPolicy keep, ZoneId zone)
      throws IOException, RepositoryException {
    if (target == null && ssh == null && !dryRun) {
      throw new IllegalStateException("a replicator without a target repository only plans");
    }
    List<String> chosen = hosts.isEmpty() ? source.hosts() : hosts;
    Run run =
        new Run(dryRun, keep, new ReplicaRetention(new RetentionPlanner(zone)), zone, lockWait);
    try (RepositoryLock ignored =
        target == null ? null : target.lock(lockWait, clock, "replicate")) {
      RemoteTargetException refused = null;
      for (String host : chosen) {
        try {
          replicateHost(host, run);
        } catch (RemoteTargetException e) {
          // A refusal (a prune the far key may not make) is about that request: the other hosts
          // still get their copies, and the refusal is reported after them. An unreachable far
          // side or a broken transfer ends the run.
          if (e.kind() != RemoteTargetException.Kind.REFUSED) {
            throw e;
          }
          refused = refused == null ? e : refused;
        }
      }
      if (refused != null) {
        throw refused;
      }
    }
    return new ReplicationReport(
        run.sent, run.already, run.failures, dryRun, run.notSent, run.pruned);
  }

  /** What one run collects over its hosts. */
  private static final class Run {
    final boolean dryRun;
    final RetentionPolicy keep;
    final ReplicaRetention retention;
    final ZoneId zone;
    final Duration lockWait;
    final List<Transfer> sent = new ArrayList<>();
    final List<Transfer> notSent = new ArrayList<>();
    final List<String> failures = new ArrayList<>();
    final Map<String, PruneOutcome> pruned = new LinkedHashMap<>();
    int already;

    Run(
        boolean dryRun,
        RetentionPolicy keep,
        ReplicaRetention retention,
        ZoneId zone,
        Duration lockWait) {
      this.dryRun = dryRun;
      this.keep = keep;
      this.retention = retention;
      this.zone = zone;
      this.lockWait = lockWait;
    }
  }

  /** The steps for one host: clean up, send what is missing and worth sending, prune. */
  private void replicateHost(String host, Run run) throws IOException {
    List<StoredVersion> versions = source.versions(host);
    try (ReadLock ignored = ReadLock.shared(source, host, versions)) {
      Set<VersionId> onTarget = targetVersions(host, run.dryRun);
      Set<VersionId> worth = worthSending(versions, onTarget, run);
      List<VersionId> shared = new ArrayList<>();
      List<VersionId> sentHere = new ArrayList<>();
      for (StoredVersion v : versions) {
        if (!Files.isDirectory(v.dir())) {
          continue; // pruned between the listing and the lock
        }
        if (onTarget.contains(v.id())) {
          if (transport.holds(v, v.id())) {
            shared.add(v.id());
            run.already++;
          } else {
            run.failures.add(clash(host, v.id()));
          }
          continue;
        }
        Transfer t = new Transfer(host, v.id(), newestShared(shared, v.id()));
        if (!worth.contains(v.id())) {
          run.notSent.add(t);
          continue;
        }
        if (!run.dryRun) {
          Optional<String> failure = transport.send(v, t);
          if (failure.isPresent()) {
            run.failures.add(failure.get());
            continue;
          }
        }
        run.sent.add(t);
        shared.add(v.id());
        sentHere.add(v.id());
      }
      if (!run.keep.isEmpty()) {
        run.pruned.put(host, pruneTarget(host, onTarget, sentHere, shared, run));
      }
    }
  }

  /** The target's version ids, leftovers of a killed run removed first unless dry. */
  private Set<VersionId> targetVersions(String host, boolean dryRun) throws IOException {
    if (ssh != null) {
      return new HashSet<>(ssh.versions(host, dryRun));
    }
    Set<VersionId> ids = new HashSet<>();
    if (target == null) {
      return ids;
    }
    if (!dryRun) {
      target.removeLeftovers(host);
    }
    for (StoredVersion t : target.versions(host)) {
      ids.add(t.id());
    }
    return ids;
  }

  /** The source's versions missing from the target that the target's policy would keep. */
  private static Set<VersionId> worthSending(
      List<StoredVersion> versions, Set<VersionId> onTarget, Run run) {
    List<VersionId> missing = new ArrayList<>();
    List<VersionId> both = new ArrayList<>();
    for (StoredVersion v : versions) {
      (onTarget.contains(v.id()) ? both : missing).add(v.id());
    }
    if (run.keep.isEmpty()) {
      return new HashSet<>(missing);
    }
    return new HashSet<>(run.retention.worthSending(onTarget, both, missing, run.keep));
  }

  /** Applies the target's retention (a dry run plans it on what the target would hold). */
  private PruneOutcome pruneTarget(
      String host, Set<VersionId> before, List<VersionId> sent, List<VersionId> shared, Run run)
      throws IOException {
    if (run.dryRun) {
      Set<VersionId> after = new HashSet<>(before);
      after.addAll(sent);
      return new PruneOutcome(run.retention.plan(after, shared, run.keep), List.of());
    }
    if (ssh != null) {
      // The far side decides by the same rule under its own lock, if its key may prune at all.
      return ssh.prune(host, shared.stream().max(VersionId::compareTo), run.keep, run.zone);
    }
    return run.retention.apply(
        target, host, shared, run.keep, false, clock.instant().plus(run.lockWait), clock);
  }

  private static Optional<VersionId> newestShared(List<VersionId> shared, VersionId before) {
    Optional<VersionId> best = Optional.empty();
    for (VersionId id : shared) {
      if (id.compareTo(before) < 0 && best.map(b -> id.compareTo(b) > 0).orElse(true)) {
        best = Optional.of(id);
      }
    }
    return best;
  }

  private String clash(String host, VersionId id) {
    return "version "
        + id
        + " of host "
        + host
        + " exists in "
        + (ssh != null ? ssh.name() : target.root())
        + " but "
        + transport.clashReason()
        + "; left as it is (replicate never overwrites a version)";
  }
}
