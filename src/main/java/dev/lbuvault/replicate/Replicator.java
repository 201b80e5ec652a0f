package dev.lbuvault.replicate;

import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.repo.ReadLock;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.RepositoryException;
import dev.lbuvault.repo.RepositoryLock;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.repo.VersionId;
import dev.lbuvault.snapshot.BtrfsBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
  private final Repository target;
  private final VersionTransport transport;
  private final Clock clock;

  public Replicator(Repository source, Repository target, ProcessRunner runner, Clock clock)
      throws RepositoryException {
    this.source = source;
    this.target = target;
    this.transport = transportFor(source, target, runner);
    this.clock = clock;
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
    List<String> chosen = hosts.isEmpty() ? source.hosts() : hosts;
    List<Transfer> sent = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    int already = 0;
    try (RepositoryLock ignored = target.lock(lockWait, clock, "replicate")) {
      for (String host : chosen) {
        already += replicateHost(host, dryRun, sent, failures);
      }
    }
    return new ReplicationReport(sent, already, failures, dryRun);
  }

  /** The steps for one host; returns how many versions the target already held. */
  private int replicateHost(String host, boolean dryRun, List<Transfer> sent, List<String> failures)
      throws IOException {
    List<StoredVersion> versions = source.versions(host);
    try (ReadLock ignored = ReadLock.shared(source, host, versions)) {
      if (!dryRun) {
        target.removeLeftovers(host);
      }
      Map<VersionId, StoredVersion> onTarget = new HashMap<>();
      for (StoredVersion t : target.versions(host)) {
        onTarget.put(t.id(), t);
      }
      List<VersionId> shared = new ArrayList<>();
      int already = 0;
      for (StoredVersion v : versions) {
        if (!Files.isDirectory(v.dir())) {
          continue; // pruned between the listing and the lock
        }
        StoredVersion there = onTarget.get(v.id());
        if (there != null) {
          if (transport.holds(v, there)) {
            shared.add(v.id());
            already++;
          } else {
            failures.add(clash(host, v.id()));
          }
          continue;
        }
        Transfer t = new Transfer(host, v.id(), newestShared(shared, v.id()));
        if (!dryRun) {
          Optional<String> failure = transport.send(v, t);
          if (failure.isPresent()) {
            failures.add(failure.get());
            continue;
          }
        }
        sent.add(t);
        shared.add(v.id());
      }
      return already;
    }
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
        + target.root()
        + " but "
        + transport.clashReason()
        + "; left as it is (replicate never overwrites a version)";
  }
}
