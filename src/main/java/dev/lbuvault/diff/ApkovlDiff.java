package dev.lbuvault.diff;

import java.util.List;
import java.util.Objects;

/**
 * The member-level comparison of two versions' apkovls.
 *
 * @param oldName the older version's apkovl file name; empty if it had none
 * @param newName the newer version's apkovl file name; empty if it has none
 * @param note why members were not compared (no apkovl, encrypted); empty when they were
 * @param changes the members that differ, by name
 */
public record ApkovlDiff(String oldName, String newName, String note, List<MemberChange> changes) {
  public ApkovlDiff {
    Objects.requireNonNull(oldName, "oldName");
    Objects.requireNonNull(newName, "newName");
    Objects.requireNonNull(note, "note");
    changes = List.copyOf(changes);
  }
}
