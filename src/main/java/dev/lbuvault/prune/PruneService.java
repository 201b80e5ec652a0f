package dev.lbuvault.prune;

import dev.lbuvault.repo.ReadLock;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.RepositoryException;
import dev.lbuvault.repo.RepositoryLock;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.retention.RetentionDecision;
import dev.lbuvault.retention.RetentionPlanner;
import dev.lbuvault.retention.RetentionPolicy;
import dev.lbuvault.retention.VersionRef;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Applies a retention policy to one host's versions: plans with {@link RetentionPlanner} and
 * deletes the versions it does not keep, under the writer lock. A dry run only plans. The planner
 * never drops the newest version, and an empty policy drops nothing.
 */
public final class PruneService {
  private final Repository repository;
  private final Clock clock;
  private final RetentionPlanner planner;

  public PruneService(Repository repository, Clock clock, RetentionPlanner planner) {
    this.repository = repository;
    this.clock = clock;
    this.planner = planner;
  }

  /**
   * Plans (and unless {@code dryRun}, carries out) the policy. A version that readers hold is
   * removed once they finish, if that is within {@code lockWait}; otherwise it is skipped and
   * reported in {@link PruneOutcome#busy()}.
   */
  public PruneOutcome prune(String host, RetentionPolicy policy, boolean dryRun, Duration lockWait)
      throws IOException, RepositoryException {
    if (dryRun) {
      return new PruneOutcome(plan(host, policy), List.of());
    }
    Instant deadline = clock.instant().plus(lockWait);
    try (RepositoryLock ignored = repository.lock(lockWait, clock, "prune")) {
      repository.removeLeftovers(host);
      return removeUnkept(host, plan(host, policy), deadline);
    }
  }

  /**
   * Deletes the versions of {@code host} that {@code decisions} do not keep, each once its readers
   * are done (waiting until {@code deadline}, else skipping it as busy). The caller holds the
   * repository's writer lock; replication calls this for a target's retention.
   */
  public PruneOutcome removeUnkept(String host, List<RetentionDecision> decisions, Instant deadline)
      throws IOException {
    Map<String, StoredVersion> byId = new HashMap<>();
    for (StoredVersion v : repository.versions(host)) {
      byId.put(v.id().value(), v);
    }
    List<String> busy = new ArrayList<>();
    for (RetentionDecision d : decisions) {
      StoredVersion v = byId.get(d.version().id());
      if (d.keep() || v == null) {
        continue;
      }
      Optional<ReadLock> readers = ReadLock.exclusive(repository, v, deadline, clock);
      if (readers.isEmpty()) {
        busy.add(d.version().id());
        continue;
      }
      try (ReadLock held = readers.get()) {
        repository.deleteVersion(v);
      }
    }
    return new PruneOutcome(decisions, busy);
  }

  private List<RetentionDecision> plan(String host, RetentionPolicy policy) throws IOException {
    List<VersionRef> refs = new ArrayList<>();
    for (StoredVersion v : repository.versions(host)) {
      refs.add(new VersionRef(v.id().value(), v.id().time()));
    }
    return planner.plan(refs, policy);
  }
}
