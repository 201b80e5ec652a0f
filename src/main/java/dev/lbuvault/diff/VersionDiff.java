package dev.lbuvault.diff;

import java.util.List;
import java.util.Objects;

/**
 * Everything {@code lbuvault diff} found between an older and a newer version of one host.
 *
 * @param host the host
 * @param oldId the older version's id
 * @param newId the newer version's id
 * @param card the card files that differ, by path
 * @param apkovl the apkovl members that differ
 */
public record VersionDiff(
    String host, String oldId, String newId, List<CardChange> card, ApkovlDiff apkovl) {
  public VersionDiff {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(oldId, "oldId");
    Objects.requireNonNull(newId, "newId");
    Objects.requireNonNull(apkovl, "apkovl");
    card = List.copyOf(card);
  }

  /** Whether anything differs: the exit status {@code diff} reports (1) or not (0). */
  public boolean hasDifferences() {
    return !card.isEmpty() || !apkovl.changes().isEmpty();
  }
}
