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

  /**
   * The sink of the {@code index}-th source of a daemon that backs up several: each source's
   * statuses replace only that source's earlier ones (its host may change once, from a guessed name
   * to the apkovl's), so the hosts' series stand side by side. A sink that shows one host only
   * returns itself.
   */
  default StatusSink forSource(int index) {
    return this;
  }
}
