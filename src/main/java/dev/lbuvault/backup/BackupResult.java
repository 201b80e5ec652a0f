package dev.lbuvault.backup;

import dev.lbuvault.repo.VersionId;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a backup run did: stored a version (its id) or found nothing changed (the newest id), how
 * many files and bytes the card holds, how many bytes had to be read and copied, and warnings.
 */
public record BackupResult(
    BackupOutcome outcome,
    String host,
    VersionId versionId,
    long files,
    long totalBytes,
    long bytesCopied,
    List<String> warnings,
    Duration elapsed) {
  public BackupResult {
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(versionId, "versionId");
    warnings = List.copyOf(warnings);
  }
}
