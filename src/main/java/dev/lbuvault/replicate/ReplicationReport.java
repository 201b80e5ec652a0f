package dev.lbuvault.replicate;

import java.util.List;

/**
 * What one replication run did: versions sent (or planned, in a dry run), versions the target
 * already held, and one line per version it could not send (a garbled receive, a name clash).
 */
public record ReplicationReport(
    List<Transfer> sent, int alreadyThere, List<String> failures, boolean dryRun) {
  public ReplicationReport {
    sent = List.copyOf(sent);
    failures = List.copyOf(failures);
    if (alreadyThere < 0) {
      throw new IllegalArgumentException("alreadyThere must be >= 0, got " + alreadyThere);
    }
  }

  public boolean ok() {
    return failures.isEmpty();
  }
}
