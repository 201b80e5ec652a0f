package dev.lbuvault.uncommitted;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@code lbu commit} would save that the newest backup does not hold.
 *
 * @param host the host
 * @param versionId the version compared with
 * @param apkovl that version's apkovl file name; empty when it has none (then everything is new)
 * @param changes deletions first, then additions and updates, each sorted by path (as lbu status
 *     prints D lines before the others)
 */
public record UncommittedReport(
    String host, String versionId, String apkovl, List<Change> changes) {
  public UncommittedReport {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(versionId, "versionId");
    Objects.requireNonNull(apkovl, "apkovl");
    changes = List.copyOf(changes);
  }

  /** When the oldest change happened; empty when nothing is uncommitted. */
  public Optional<Instant> oldestChange() {
    return changes.stream().map(Change::changedAt).min(Instant::compareTo);
  }
}
