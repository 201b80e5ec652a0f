package dev.lbuvault.uncommitted;

/**
 * Receives each refreshed {@link UncommittedReport} of the daemon (or the news that there is none),
 * so that the daemon needs no metrics library; the command line wires it to the metrics registry.
 */
public interface UncommittedSink {
  /** The newest report; must not throw (a broken exporter must not stop the daemon). */
  void publish(UncommittedReport report);

  /** The host's changes are unknown (no version yet, an unreadable apkovl): show nothing. */
  void clear(String host);
}
