package dev.lbuvault.diff;

import java.util.Objects;

/**
 * One file of the card that differs between two versions.
 *
 * @param path the path under {@code card/}
 * @param kind added, removed or changed
 * @param oldSizeBytes the size in the older version; -1 when added
 * @param newSizeBytes the size in the newer version; -1 when removed
 * @param oldSha256 the checksum in the older version; empty when added
 * @param newSha256 the checksum in the newer version; empty when removed
 */
public record CardChange(
    String path,
    ChangeKind kind,
    long oldSizeBytes,
    long newSizeBytes,
    String oldSha256,
    String newSha256) {
  public CardChange {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(oldSha256, "oldSha256");
    Objects.requireNonNull(newSha256, "newSha256");
  }
}
