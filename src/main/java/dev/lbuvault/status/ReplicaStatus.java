package dev.lbuvault.status;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What the replica metrics say about one host on one replication target: when a replication run
 * last succeeded for it and how many of its versions the target then held.
 *
 * @param host the host label
 * @param target the target label: the name of the daemon's {@code [replicate NAME]} section
 * @param lastSuccess end of the last successful run; empty when never
 * @param versions the host's versions the target held after that run
 * @param failures runs that did not replicate the host to the target
 */
public record ReplicaStatus(
    String host, String target, Optional<Instant> lastSuccess, long versions, long failures) {
  public ReplicaStatus {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(lastSuccess, "lastSuccess");
    if (host.isEmpty() || target.isEmpty()) {
      throw new IllegalArgumentException("host and target must not be empty");
    }
    if (versions < 0) {
      throw new IllegalArgumentException("versions must be >= 0, got " + versions);
    }
    if (failures < 0) {
      throw new IllegalArgumentException("failures must be >= 0, got " + failures);
    }
  }

  /** A status without failures. */
  public ReplicaStatus(String host, String target, Optional<Instant> lastSuccess, long versions) {
    this(host, target, lastSuccess, versions, 0);
  }
}
