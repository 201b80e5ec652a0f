package dev.lbuvault.status;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the metrics say about one host at one moment: the remembered run state, what the
 * repository holds, and what the last look at the card found. Metrics and the textfile are rendered
 * from this one value, so they always agree with each other.
 *
 * @param host the host label
 * @param state counters and timestamps from {@code daemon-state.json}
 * @param repository versions, newest version time, size
 * @param sourceUp whether the card was readable (with an apkovl) at the last look
 * @param apkovlModified the apkovl's mtime at the last look that found one
 */
public record HostStatus(
    String host,
    DaemonState state,
    RepositoryStats repository,
    boolean sourceUp,
    Optional<Instant> apkovlModified) {
  public HostStatus {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(repository, "repository");
    Objects.requireNonNull(apkovlModified, "apkovlModified");
    if (host.isEmpty()) {
      throw new IllegalArgumentException("host must not be empty");
    }
  }
}
