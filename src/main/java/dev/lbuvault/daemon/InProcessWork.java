package dev.lbuvault.daemon;

import dev.lbuvault.prune.PruneOutcome;
import dev.lbuvault.prune.PruneService;
import dev.lbuvault.repo.DamageRecord;
import dev.lbuvault.repo.ReadLock;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.RepositoryException;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.retention.RetentionPolicy;
import dev.lbuvault.verify.DamageRecorder;
import dev.lbuvault.verify.NextStep;
import dev.lbuvault.verify.Problem;
import dev.lbuvault.verify.Verifier;
import dev.lbuvault.verify.VerifyReport;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * Verify and prune in the daemon's own JVM ({@code LBUVAULT_LAUNCHER=} set but empty, and the
 * tests): the same services the {@code verify} and {@code prune} commands call.
 */
final class InProcessWork implements RepositoryWork {
  private final Repository repository;
  private final PruneService pruner;
  private final Verifier verifier;

  InProcessWork(Repository repository, PruneService pruner, Verifier verifier) {
    this.repository = repository;
    this.pruner = pruner;
    this.verifier = verifier;
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
}
