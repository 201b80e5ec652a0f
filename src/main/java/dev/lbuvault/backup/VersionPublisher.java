package dev.lbuvault.backup;

import dev.lbuvault.fs.SecureFiles;
import dev.lbuvault.repo.HostArea;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.repo.VersionId;
import dev.lbuvault.repo.VersionMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * The last step of a backup: write the checksum list and metadata into the working mirror, take a
 * read-only snapshot of it under a temporary name, and publish it by one rename. Until that rename
 * nothing is visible, so an interrupted run publishes nothing.
 */
final class VersionPublisher {
  private final Repository repository;

  VersionPublisher(Repository repository) {
    this.repository = repository;
  }

  /** The id a version taken at {@code start} gets: after the newest, and not yet used. */
  VersionId nextId(HostArea area, Instant start, Optional<StoredVersion> newest) {
    VersionId id = VersionId.at(start);
    if (newest.isPresent() && id.compareTo(newest.get().id()) <= 0) {
      // The clock is behind the newest version (or in the same second): ids must still sort in
      // the order versions were taken, because "newest" is the last id.
      id = newest.get().id().next();
    }
    while (Files.exists(area.version(id)) || Files.exists(area.partial(id))) {
      id = id.next();
    }
    return id;
  }

  void publish(HostArea area, VersionId id, String sumsText, VersionMetadata metadata)
      throws IOException {
    Path current = area.current();
    SecureFiles.writeAtomically(
        current.resolve(StoredVersion.SUMS_FILE), sumsText, SecureFiles.READ_ONLY_FILE_MODE);
    SecureFiles.writeAtomically(
        current.resolve(StoredVersion.METADATA_FILE),
        metadata.toJson(),
        SecureFiles.READ_ONLY_FILE_MODE);
    Path partial = area.partial(id);
    repository.backend().snapshot(current, partial);
    SecureFiles.moveAtomically(partial, area.version(id));
    SecureFiles.fsyncDirectory(area.versions());
  }
}
