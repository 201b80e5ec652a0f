package dev.lbuvault.backup;

import dev.lbuvault.repo.CardVolumeRecord;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the FAT volume id and label of the card mounted at a directory, when its block device can
 * be read. Absent, never an error: a source that is a plain directory has no volume.
 */
@FunctionalInterface
public interface CardVolumeSource {
  Optional<CardVolumeRecord> volumeOf(Path source);

  static CardVolumeSource none() {
    return source -> Optional.empty();
  }
}
