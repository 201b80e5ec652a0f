package dev.lbuvault.replicate;

import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.prune.PruneOutcome;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.RepositoryException;
import dev.lbuvault.repo.RepositoryLock;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.retention.RetentionPlanner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The far side of an ssh replication ({@code lbuvault receive}): answers one {@link ReceiveRequest}
 * inside a {@link RestrictedPath}. It lists a host's versions with their received UUIDs, prepares a
 * repository (created with the btrfs backend when missing, leftovers of a killed run removed), and
 * receives one {@code btrfs send} stream from standard input through the same {@link MarkedReceive}
 * the local replication uses. It never reads a file's content back to the caller, and deletes a
 * published version only for a prune request and only when its key was given {@code --allow-prune}:
 * then by {@link ReplicaRetention}'s rule (never the host's newest version, nor the newest one both
 * sides hold).
 */
public final class Receiver {
  /** How long a request waits for another writer of the target (a prune there) to finish. */
  static final Duration LOCK_WAIT = Duration.ofSeconds(30);

  private final RestrictedPath restriction;
  private final boolean allowPrune;
  private final ProcessRunner runner;
  private final Clock clock;

  /** A receiver that refuses prune requests. */
  public Receiver(RestrictedPath restriction, ProcessRunner runner, Clock clock) {
    this(restriction, false, runner, clock);
  }

  /**
   * @param allowPrune whether prune requests are answered ({@code --allow-prune}) or refused
   */
  public Receiver(
      RestrictedPath restriction, boolean allowPrune, ProcessRunner runner, Clock clock) {
    this.restriction = restriction;
    this.allowPrune = allowPrune;
    this.runner = runner;
    this.clock = clock;
  }

  /**
   * Answers {@code request} with the text to print: the listing for list and prepare ({@link
   * ReplicaListing}), the decisions for a prune ({@link PruneAnswer}), nothing for a store.
   *
   * @throws ReceiveRefusedException when the path, or a prune, is not allowed
   * @throws IOException when the receive failed (the half-received copy is already gone)
   */
  public String answer(ReceiveRequest request)
      throws ReceiveRefusedException, IOException, RepositoryException {
    if (request.operation() == ReceiveRequest.Operation.PRUNE && !allowPrune) {
      throw new ReceiveRefusedException(
          "refused to prune host "
              + request.host()
              + " in "
              + request.path()
              + ": this key may not remove versions (its authorized_keys command has no"
              + " --allow-prune); nothing was removed");
    }
    Path dir = restriction.confine(request.path());
    return switch (request.operation()) {
      case LIST -> list(dir, request.host()).write();
      case PREPARE -> prepare(dir, request.host()).write();
      case STORE -> {
        store(dir, request);
        yield "";
      }
      case PRUNE -> PruneAnswer.write(prune(dir, request));
    };
  }

  /** Applies the near side's rules, never removing the newest nor the named shared parent. */
  private PruneOutcome prune(Path dir, ReceiveRequest request)
      throws IOException, RepositoryException {
    if (!Files.exists(dir.resolve(Repository.MARKER_FILE))) {
      throw new TargetPathException(dir + " on this host is not an lbuvault repository to prune");
    }
    Repository repo = Repository.open(dir, runner);
    ReceiveRequest.Prune p = request.prune().orElseThrow();
    ReplicaRetention retention = new ReplicaRetention(new RetentionPlanner(p.zone()));
    try (RepositoryLock ignored = repo.lock(LOCK_WAIT, clock, "receive")) {
      return retention.apply(
          repo,
          request.host(),
          p.parent().stream().toList(),
          p.keep(),
          false,
          clock.instant().plus(LOCK_WAIT),
          clock);
    }
  }

  private ReplicaListing list(Path dir, String host) throws IOException, RepositoryException {
    requireUsable(dir);
    if (!Files.exists(dir.resolve(Repository.MARKER_FILE))) {
      return new ReplicaListing("none", hasZstd(), Map.of());
    }
    Repository repo = Repository.open(dir, runner);
    BtrfsTransfer btrfs = new BtrfsTransfer(runner);
    boolean isBtrfs = "btrfs".equals(repo.backend().name());
    Map<dev.lbuvault.repo.VersionId, Optional<String>> versions = new TreeMap<>();
    for (StoredVersion v : repo.versions(host)) {
      versions.put(v.id(), isBtrfs ? btrfs.show(v.dir()).receivedUuid() : Optional.empty());
    }
    return new ReplicaListing(repo.backend().name(), hasZstd(), versions);
  }

  /** Creates the repository when missing (btrfs only), removes the host's leftovers, lists. */
  private ReplicaListing prepare(Path dir, String host) throws IOException, RepositoryException {
    requireUsable(dir);
    Repository repo =
        Files.exists(dir.resolve(Repository.MARKER_FILE))
            ? Repository.open(dir, runner)
            : Repository.init(dir, "btrfs", clock, runner);
    requireBtrfs(repo);
    try (RepositoryLock ignored = repo.lock(LOCK_WAIT, clock, "receive")) {
      repo.removeLeftovers(host);
    }
    return list(dir, host);
  }

  private void store(Path dir, ReceiveRequest request) throws IOException, RepositoryException {
    Repository repo = Repository.open(dir, runner);
    requireBtrfs(repo);
    if (request.zstd() && !hasZstd()) {
      throw new IOException(
          "a zstd stream was sent but zstd is not installed here; install zstd or replicate"
              + " with --compress none");
    }
    BtrfsTransfer btrfs = new BtrfsTransfer(runner);
    Optional<String> failure;
    try (RepositoryLock ignored = repo.lock(LOCK_WAIT, clock, "receive")) {
      failure =
          new MarkedReceive(repo, btrfs)
              .receive(
                  request.host(),
                  request.id().orElseThrow(),
                  request.sourceUuid().orElseThrow(),
                  versions -> btrfs.receiveStdin(versions, request.zstd()));
    }
    if (failure.isPresent()) {
      throw new IOException(failure.get());
    }
  }

  /**
   * Refuses a path whose parent is missing (a mistyped path is not created on a whim) or that holds
   * something other than a repository or an empty directory.
   */
  private static void requireUsable(Path dir) throws IOException {
    Path parent = dir.getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      throw new TargetPathException(
          "no directory "
              + parent
              + " on this host to keep the repository "
              + dir.getFileName()
              + " in: create it there, or correct the path in --to");
    }
    if (Files.exists(dir.resolve(Repository.MARKER_FILE)) || !Files.exists(dir)) {
      return;
    }
    boolean empty = false;
    if (Files.isDirectory(dir)) {
      try (var entries = Files.newDirectoryStream(dir)) {
        empty = !entries.iterator().hasNext();
      }
    }
    if (!empty) {
      throw new TargetPathException(
          dir
              + " on this host is not an lbuvault repository and not an empty directory: name a"
              + " new or empty directory, or a repository, in --to");
    }
  }

  private static void requireBtrfs(Repository repo) throws RepositoryException {
    if (!"btrfs".equals(repo.backend().name())) {
      throw new RepositoryException(
          repo.root()
              + " uses the "
              + repo.backend().name()
              + " backend; over ssh lbuvault only receives btrfs snapshots: use an empty"
              + " directory on btrfs, or replicate to a mounted disk");
    }
  }

  private static boolean hasZstd() {
    return Zstd.onPath();
  }
}
