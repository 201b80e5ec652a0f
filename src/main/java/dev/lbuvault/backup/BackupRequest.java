package dev.lbuvault.backup;

import dev.lbuvault.source.CardLocation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What to back up: where the card is (a local mount point or {@code ssh://...}), the host name if
 * the user gave one, whether to re-read every file even if its size and mtime are unchanged, and
 * how long to wait for the repository lock.
 */
public record BackupRequest(
    CardLocation source, Optional<String> host, boolean rehash, Duration lockWait) {
  public BackupRequest {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(lockWait, "lockWait");
    if (lockWait.isNegative()) {
      throw new IllegalArgumentException("lock wait must be >= 0, got " + lockWait);
    }
  }

  /** A request for a card mounted at a local directory. */
  public BackupRequest(Path source, Optional<String> host, boolean rehash, Duration lockWait) {
    this(new CardLocation.Local(source), host, rehash, lockWait);
  }
}
