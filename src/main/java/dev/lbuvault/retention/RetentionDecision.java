package dev.lbuvault.retention;

import java.util.List;
import java.util.Objects;

/**
 * What the planner decided for one version and why. A kept version always carries at least one
 * reason and a removed one never does, so a dry run can show the user exactly which rule protects
 * each version and an empty list can be trusted to mean "nothing protects this one".
 *
 * @param version the version decided on
 * @param keep whether the version survives the prune
 * @param reasons every rule that keeps it, e.g. {@code "daily 2026-11-24"}; empty when removed
 */
public record RetentionDecision(VersionRef version, boolean keep, List<String> reasons) {

  /** Copies the reasons so a caller cannot change a decision after the fact. */
  public RetentionDecision {
    Objects.requireNonNull(version, "version");
    reasons = List.copyOf(reasons);
    if (keep && reasons.isEmpty()) {
      throw new IllegalArgumentException("a kept version needs a reason: " + version.id());
    }
    if (!keep && !reasons.isEmpty()) {
      throw new IllegalArgumentException(
          "a removed version cannot have reasons to keep it: " + version.id());
    }
  }
}
