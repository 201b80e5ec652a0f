package dev.lbuvault.status;

/**
 * Receives every new {@link ReplicaStatus} of the daemon's replication; the command line wires it
 * to the metrics registry and the textfile, as it does {@link StatusSink}.
 */
@FunctionalInterface
public interface ReplicaSink {
  /** Takes the newest status of one host on one target; must not throw. */
  void publish(ReplicaStatus status);

  /** A sink that drops everything (no metrics wired). */
  static ReplicaSink none() {
    return status -> {};
  }
}
