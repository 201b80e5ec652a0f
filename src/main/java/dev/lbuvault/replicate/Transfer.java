package dev.lbuvault.replicate;

import dev.lbuvault.repo.VersionId;
import java.util.Objects;
import java.util.Optional;

/**
 * One version replication sends (or, in a dry run, would send): full when the target shares no
 * older version, else incremental from {@code parent}, the newest older version both hold.
 */
public record Transfer(String host, VersionId id, Optional<VersionId> parent) {
  public Transfer {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(parent, "parent");
  }

  /** "full" or "incremental from ID", as the CLI prints it. */
  public String kind() {
    return parent.map(p -> "incremental from " + p).orElse("full");
  }
}
