package dev.lbuvault.backup;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What to back up: the card's mount point, the host name if the user gave one, whether to re-read
 * every file even if its size and mtime are unchanged, and how long to wait for the repository
 * lock.
 */
public record BackupRequest(Path source, Optional<String> host, boolean rehash, Duration lockWait) {
  public BackupRequest {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(lockWait, "lockWait");
    if (lockWait.isNegative()) {
      throw new IllegalArgumentException("lock wait must be >= 0, got " + lockWait);
    }
  }
}
