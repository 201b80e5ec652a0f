package dev.lbuvault.replicate;

import dev.lbuvault.prune.PruneOutcome;
import dev.lbuvault.prune.PruneService;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.repo.VersionId;
import dev.lbuvault.retention.RetentionDecision;
import dev.lbuvault.retention.RetentionPlanner;
import dev.lbuvault.retention.RetentionPolicy;
import dev.lbuvault.retention.VersionRef;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A replication target's own retention ({@code replicate --keep-*}): the prune rules applied to the
 * target's versions of one host, except that two versions are kept whatever the rules say, because
 * losing either breaks replication rather than history: the target's newest version, and the newest
 * version both sides hold, the only parent the next incremental send can start from. Planning also
 * tells which missing versions are worth sending at all: one the rules would remove right after it
 * arrived is not sent, which is also what keeps a version pruned from the target from being sent
 * again on every run. The ssh receiver applies the same rule with {@link #apply}.
 */
public final class ReplicaRetention {
  /** Reason shown for the target's newest version when no rule keeps it. */
  public static final String NEWEST = "newest on the target";

  /** Reason shown for the newest version both sides hold when no rule keeps it. */
  public static final String SHARED_PARENT = "parent of the next incremental send";

  private final RetentionPlanner planner;

  public ReplicaRetention(RetentionPlanner planner) {
    this.planner = planner;
  }

  /** The newest of {@code shared} that is also in {@code onTarget}: the next send's parent. */
  public static Optional<VersionId> newestShared(
      Collection<VersionId> onTarget, Collection<VersionId> shared) {
    return shared.stream().filter(onTarget::contains).max(VersionId::compareTo);
  }

  /**
   * Decisions for the versions {@code onTarget}, newest first: the policy's, plus the target's
   * newest version and the newest of {@code shared} (the ids both sides hold) always kept.
   */
  public List<RetentionDecision> plan(
      Collection<VersionId> onTarget, Collection<VersionId> shared, RetentionPolicy policy) {
    List<VersionRef> refs = new ArrayList<>();
    for (VersionId id : onTarget) {
      refs.add(new VersionRef(id.value(), id.time()));
    }
    Map<String, String> protect = new LinkedHashMap<>();
    newestShared(onTarget, shared).ifPresent(id -> protect.put(id.value(), SHARED_PARENT));
    if (!onTarget.isEmpty()) {
      protect.putIfAbsent(Collections.max(onTarget).value(), NEWEST);
    }
    return planner.plan(refs, policy, protect);
  }

  /**
   * Of the versions {@code missing} from the target, those worth sending: the ones this policy
   * keeps once they have arrived (assuming every send succeeds), oldest first. The rules only ever
   * keep fewer versions of a larger set, so a version sent here is kept after the transfer too, and
   * one left out now is left out by every later run.
   */
  public List<VersionId> worthSending(
      Collection<VersionId> onTarget,
      Collection<VersionId> shared,
      Collection<VersionId> missing,
      RetentionPolicy policy) {
    Set<VersionId> after = new TreeSet<>(onTarget);
    after.addAll(missing);
    Set<VersionId> sharedAfter = new TreeSet<>(shared);
    sharedAfter.addAll(missing);
    Set<String> kept = new TreeSet<>();
    for (RetentionDecision d : plan(after, sharedAfter, policy)) {
      if (d.keep()) {
        kept.add(d.version().id());
      }
    }
    return missing.stream().filter(id -> kept.contains(id.value())).sorted().toList();
  }

  /**
   * Applies {@code policy} to {@code host}'s versions in {@code target}, keeping its newest and the
   * newest of {@code shared}; a dry run only plans. The caller holds the target's writer lock (as
   * replicate and receive do for their whole run); a version being read is waited for until {@code
   * deadline} and then skipped, as prune does.
   */
  public PruneOutcome apply(
      Repository target,
      String host,
      Collection<VersionId> shared,
      RetentionPolicy policy,
      boolean dryRun,
      Instant deadline,
      Clock clock)
      throws IOException {
    List<VersionId> onTarget = target.versions(host).stream().map(StoredVersion::id).toList();
    List<RetentionDecision> decisions = plan(onTarget, shared, policy);
    if (dryRun) {
      return new PruneOutcome(decisions, List.of());
    }
    return new PruneService(target, clock, planner).removeUnkept(host, decisions, deadline);
  }
}
