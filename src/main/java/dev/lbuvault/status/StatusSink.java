package dev.lbuvault.status;

/**
 * Receives every new {@link HostStatus}: the daemon and the one-shot backup publish to it, and the
 * command line wires it to the metrics registry and the textfile, so neither the daemon nor the
 * core depends on a metrics library.
 */
@FunctionalInterface
public interface StatusSink {
  /** Takes the newest status; must not throw (a broken exporter must not stop backups). */
  void publish(HostStatus status);
}
