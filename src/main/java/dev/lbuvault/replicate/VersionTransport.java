package dev.lbuvault.replicate;

import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.repo.VersionId;
import java.io.IOException;
import java.util.Optional;

/**
 * How one version crosses to the target: {@code btrfs send | receive} between btrfs repositories
 * ({@link SendReceive}), or a copy of its tree with unchanged files hard-linked ({@link
 * TreeCopyTransfer}). Either way nothing is visible on the target until the copy has been checked.
 */
interface VersionTransport {
  /** Whether the target's version {@code there} (of the same id) is a copy of {@code source}. */
  boolean holds(StoredVersion source, VersionId there) throws IOException;

  /** Why a same-named target version that {@link #holds} rejects is not the source's. */
  String clashReason();

  /**
   * Copies {@code version} to the target as {@code transfer} says; empty on success, else one line
   * saying why the version was not replicated (the half-made copy is already gone).
   */
  Optional<String> send(StoredVersion version, Transfer transfer) throws IOException;
}
