package dev.lbuvault.replicate;

import dev.lbuvault.fs.SecureFiles;
import dev.lbuvault.repo.HostArea;
import dev.lbuvault.repo.ReadLock;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.RepositoryException;
import dev.lbuvault.repo.RepositoryLock;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.repo.VersionId;
import dev.lbuvault.snapshot.BtrfsBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Copies a btrfs repository's versions into another btrfs repository with {@code btrfs send | btrfs
 * receive}, oldest first, each incremental from the newest older version both hold. The target is
 * an lbuvault repository in its own right. While a version is received it is hidden by a {@code
 * .receiving-ID} marker; it becomes visible only after the received subvolume is checked as btrbk
 * checks it (read-only, with a received UUID equal to the source's UUID); anything else is deleted
 * and reported. A run killed at any instant leaves the marker, and the next writer deletes the
 * half-received version before anything else.
 */
public final class Replicator {
  private final Repository source;
  private final Repository target;
  private final BtrfsTransfer btrfs;
  private final Clock clock;

  public Replicator(
      Repository source, Repository target, dev.lbuvault.process.ProcessRunner runner, Clock clock)
      throws RepositoryException {
    requireBtrfs(source);
    requireBtrfs(target);
    this.source = source;
    this.target = target;
    this.btrfs = new BtrfsTransfer(runner);
    this.clock = clock;
  }

  private static void requireBtrfs(Repository repo) throws RepositoryException {
    if (!(repo.backend() instanceof BtrfsBackend)) {
      throw new RepositoryException(
          repo.root()
              + " uses the "
              + repo.backend().name()
              + " backend; replicate sends btrfs snapshots, so both repositories must be on btrfs");
    }
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
      Map<VersionId, SubvolumeInfo> onTarget = targetVersions(host);
      List<VersionId> shared = new ArrayList<>();
      int already = 0;
      for (StoredVersion v : versions) {
        if (!Files.isDirectory(v.dir())) {
          continue; // pruned between the listing and the lock
        }
        SubvolumeInfo info = btrfs.show(v.dir());
        SubvolumeInfo there = onTarget.get(v.id());
        if (there != null) {
          if (there.receivedFrom(info)) {
            shared.add(v.id());
            already++;
          } else {
            failures.add(clash(host, v.id()));
          }
          continue;
        }
        Transfer t = new Transfer(host, v.id(), newestShared(shared, v.id()));
        if (!dryRun) {
          Optional<String> failure = receive(v, info, t);
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

  private Map<VersionId, SubvolumeInfo> targetVersions(String host) throws IOException {
    Map<VersionId, SubvolumeInfo> map = new HashMap<>();
    for (StoredVersion v : target.versions(host)) {
      map.put(v.id(), btrfs.show(v.dir()));
    }
    return map;
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

  /** Marker, send | receive, check, unhide; empty on success, else what went wrong. */
  private Optional<String> receive(StoredVersion v, SubvolumeInfo info, Transfer t)
      throws IOException {
    HostArea area = target.host(t.host());
    SecureFiles.createPrivateDirectories(area.versions());
    Path marker = area.receiving(t.id());
    SecureFiles.writeAtomically(marker, t.kind() + "\n", SecureFiles.FILE_MODE);
    Path received = area.version(t.id());
    String problem;
    try {
      btrfs.sendReceive(
          v.dir(), t.parent().map(p -> source.host(t.host()).version(p)), area.versions());
      SubvolumeInfo got = btrfs.show(received);
      problem =
          !got.readOnly()
              ? "is not read-only"
              : !got.receivedFrom(info) ? "has no received UUID matching the source" : null;
    } catch (IOException e) {
      problem = "failed: " + e.getMessage();
    }
    if (problem != null) {
      target.backend().delete(received);
      Files.deleteIfExists(marker);
      SecureFiles.fsyncDirectory(area.versions());
      return Optional.of(
          "version "
              + t.id()
              + " of host "
              + t.host()
              + " was not replicated: the received copy "
              + problem
              + "; it was deleted, and the next replicate sends it again");
    }
    Files.delete(marker);
    SecureFiles.fsyncDirectory(area.versions());
    return Optional.empty();
  }

  private String clash(String host, VersionId id) {
    return "version "
        + id
        + " of host "
        + host
        + " exists in "
        + target.root()
        + " but was not received from "
        + source.root()
        + "; left as it is (replicate never overwrites a version)";
  }
}
