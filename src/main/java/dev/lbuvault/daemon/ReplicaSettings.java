package dev.lbuvault.daemon;

import java.util.Objects;

/**
 * One {@code [replicate NAME]} section: where the daemon copies every host's versions, and when.
 *
 * @param name the section's name: the {@code target} label of the replica metrics (a short name,
 *     not a path, so no label carries a path)
 * @param to the target repository: a directory on another filesystem, or an {@code ssh://} URL
 * @param schedule Quartz cron expression of the replication run
 */
public record ReplicaSettings(String name, String to, String schedule) {
  public ReplicaSettings {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(schedule, "schedule");
    if (name.isEmpty() || to.isEmpty()) {
      throw new IllegalArgumentException("name and to must not be empty");
    }
  }
}
