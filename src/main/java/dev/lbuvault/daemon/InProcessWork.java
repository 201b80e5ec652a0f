package dev.lbuvault.daemon;

import dev.lbuvault.crypto.Password;
import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.prune.PruneOutcome;
import dev.lbuvault.prune.PruneService;
import dev.lbuvault.replicate.ReplicationReport;
import dev.lbuvault.replicate.Replicator;
import dev.lbuvault.replicate.SshTarget;
import dev.lbuvault.repo.DamageRecord;
import dev.lbuvault.repo.ReadLock;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.RepositoryException;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.retention.RetentionPolicy;
import dev.lbuvault.ssh.SshCommand;
import dev.lbuvault.uncommitted.UncommittedReport;
import dev.lbuvault.uncommitted.UncommittedService;
import dev.lbuvault.verify.DamageRecorder;
import dev.lbuvault.verify.NextStep;
import dev.lbuvault.verify.Problem;
import dev.lbuvault.verify.Verifier;
import dev.lbuvault.verify.VerifyReport;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Verify, prune, replication and the uncommitted-changes comparison in the daemon's own JVM ({@code
 * LBUVAULT_LAUNCHER=} set but empty, and the tests): the same services the {@code verify}, {@code
 * prune}, {@code replicate} and {@code status} commands call.
 */
final class InProcessWork implements RepositoryWork {
  private final Repository repository;
  private final PruneService pruner;
  private final Verifier verifier;
  private final ProcessRunner runner;
  private final Clock clock;
  private final Optional<Password> password;

  InProcessWork(
      Repository repository,
      PruneService pruner,
      Verifier verifier,
      ProcessRunner runner,
      Clock clock,
      Optional<Password> password) {
    this.repository = repository;
    this.pruner = pruner;
    this.verifier = verifier;
    this.runner = runner;
    this.clock = clock;
    this.password = password;
  }

  @Override
  public VerifySummary verify(String host) throws IOException {
    List<StoredVersion> versions = repository.versions(host);
    VerifyReport report;
    try (ReadLock ignored = ReadLock.shared(repository, host, versions)) {
      report = verifier.verify(versions);
    }
    DamageRecord record = DamageRecorder.record(repository, host, report);
    return new VerifySummary(
        report.versions().size(),
        report.files(),
        report.bytes(),
        report.problems().stream().map(Problem::describe).toList(),
        !record.heal().isEmpty(),
        NextStep.after(report, record));
  }

  @Override
  public PruneSummary prune(String host, RetentionPolicy policy, Duration lockWait)
      throws IOException, RepositoryException {
    PruneOutcome outcome = pruner.prune(host, policy, false, lockWait);
    return new PruneSummary(outcome.decisions().size(), outcome.removed(), outcome.busy());
  }

  /**
   * An {@code ssh://} target as {@code lbuvault replicate --to ssh://} sends to, with {@code
   * --compress auto}; a directory is opened, never created (an unmounted disk's mount point must
   * stay empty).
   */
  @Override
  public ReplicaSummary replicate(ReplicaSettings target, String host, Duration lockWait)
      throws IOException, RepositoryException {
    Replicator replicator;
    if (target.ssh().isPresent()) {
      SshCommand ssh = target.ssh().get();
      replicator =
          new Replicator(
              repository,
              new SshTarget(
                  target.to(),
                  ssh.url().path(),
                  line -> ssh.argv(List.of(line.split(" "))),
                  runner,
                  SshTarget.Compression.AUTO),
              clock);
    } else {
      Repository to = Repository.open(Path.of(target.to()), runner);
      replicator = new Replicator(repository, to, runner, clock);
    }
    ReplicationReport report =
        replicator.replicate(List.of(host), lockWait, false, target.keep(), clock.getZone());
    long removed = report.pruned().values().stream().mapToLong(PruneOutcome::removed).sum();
    return new ReplicaSummary(
        report.sent().size(), report.alreadyThere(), removed, report.failures());
  }

  @Override
  public UncommittedReport uncommitted(String host, Path root) throws Exception {
    return new UncommittedService(repository).scan(host, root, password);
  }
}
