package dev.lbuvault.retention;

import java.time.Instant;
import java.util.Objects;

/**
 * The two facts about a stored version that retention needs: its id, used as the tie-break and in
 * reports, and the instant the backup was taken. Keeping retention blind to everything else (paths,
 * sizes, checksums) lets it be tested without a repository on disk.
 *
 * @param id the version id, e.g. {@code 20261125T030000Z} or {@code 20261125T030000Z_2}
 * @param time when the backup was taken
 */
public record VersionRef(String id, Instant time) {

  /** Rejects what would make the newest-first order, and so every decision, ambiguous. */
  public VersionRef {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(time, "time");
    if (id.isBlank()) {
      throw new IllegalArgumentException("version id must not be blank");
    }
  }
}
