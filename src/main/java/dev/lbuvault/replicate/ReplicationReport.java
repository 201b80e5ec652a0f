package dev.lbuvault.replicate;

import dev.lbuvault.prune.PruneOutcome;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one replication run did: versions sent (or planned, in a dry run), versions the target
 * already held, one line per version it could not send (a garbled receive, a name clash), versions
 * not sent because the target's {@code --keep-*} rules would remove them on arrival, and per host
 * the target's retention decisions (empty without {@code --keep-*}), sorted by host.
 */
public record ReplicationReport(
    List<Transfer> sent,
    int alreadyThere,
    List<String> failures,
    boolean dryRun,
    List<Transfer> notSent,
    Map<String, PruneOutcome> pruned) {
  public ReplicationReport {
    sent = List.copyOf(sent);
    failures = List.copyOf(failures);
    notSent = List.copyOf(notSent);
    pruned = Collections.unmodifiableMap(new TreeMap<>(pruned));
    if (alreadyThere < 0) {
      throw new IllegalArgumentException("alreadyThere must be >= 0, got " + alreadyThere);
    }
  }

  /** A run without target retention. */
  public ReplicationReport(
      List<Transfer> sent, int alreadyThere, List<String> failures, boolean dryRun) {
    this(sent, alreadyThere, failures, dryRun, List.of(), Map.of());
  }

  public boolean ok() {
    return failures.isEmpty();
  }
}
