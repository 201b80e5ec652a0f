package dev.lbuvault.snapshot;

import java.io.IOException;
import java.nio.file.Path;

/**
 * How versions are made from the working mirror {@code current}: a read-only btrfs snapshot where
 * the repository is on btrfs, a hard-linked read-only copy elsewhere. Either way the caller builds
 * the version under a temporary name and publishes it by renaming, so a crash never leaves a
 * half-made version under a real name.
 */
public interface SnapshotBackend {
  /** {@code btrfs} or {@code plain}, as recorded in the repository marker. */
  String name();

  /** Creates the working mirror directory (a subvolume on btrfs) if it does not exist. */
  void createWorkingTree(Path current) throws IOException;

  /** Makes a read-only copy of {@code current} at {@code target}, which must not exist. */
  void snapshot(Path current, Path target) throws IOException;

  /** Deletes a version (or a leftover temporary one); succeeds if it is already gone. */
  void delete(Path version) throws IOException;
}
