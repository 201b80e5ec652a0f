package dev.lbuvault.daemon;

import dev.lbuvault.retention.RetentionPolicy;
import dev.lbuvault.ssh.SshCommand;
import dev.lbuvault.ssh.SshUrl;
import java.util.Objects;
import java.util.Optional;

/**
 * One {@code [replicate NAME]} section: where the daemon copies every host's versions, and when.
 *
 * @param name the section's name: the {@code target} label of the replica metrics (a short name,
 *     not a path or URL, so no label carries a path, a user or a key file)
 * @param to the target repository: a directory on another filesystem, or an {@code ssh://} URL
 * @param schedule Quartz cron expression of the replication run
 * @param ssh for an {@code ssh://} target, the ssh command line that reaches it (the section's key
 *     and options, else the top-level ones); empty for a directory
 * @param keep the section's {@code keep.*} rules, applied to the target after each run as {@code
 *     lbuvault replicate --keep-*} applies them; empty (no rule): the target keeps every version
 */
public record ReplicaSettings(
    String name, String to, String schedule, Optional<SshCommand> ssh, RetentionPolicy keep) {
  public ReplicaSettings {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(schedule, "schedule");
    Objects.requireNonNull(ssh, "ssh");
    Objects.requireNonNull(keep, "keep");
    if (name.isEmpty() || to.isEmpty()) {
      throw new IllegalArgumentException("name and to must not be empty");
    }
    if (ssh.isPresent() != SshUrl.looksLikeSsh(to)) {
      throw new IllegalArgumentException("an ssh command goes with an ssh:// target only: " + to);
    }
  }

  /** A target directory that keeps every version. */
  public ReplicaSettings(String name, String to, String schedule) {
    this(name, to, schedule, Optional.empty(), RetentionPolicy.none());
  }
}
