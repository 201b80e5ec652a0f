package dev.lbuvault.backup;

import dev.lbuvault.archive.ApkovlSummary;
import dev.lbuvault.boot.BootReadiness.World;
import dev.lbuvault.repo.ApkovlRecord;
import dev.lbuvault.repo.BootRecord;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.repo.VersionMetadata;
import java.io.IOException;

/**
 * Where a backup's boot check gets the apkovl's {@code etc/apk/world}: from the validation that
 * just read it, or, when the apkovl has the same bytes as the newest version's and is not read
 * again, from the names that version recorded. An encrypted apkovl that was not decrypted, or whose
 * names are not kept in clear, leaves the world unknown, and the record says the check was skipped.
 */
final class BootWorlds {
  private BootWorlds() {}

  /** The world of an apkovl validated in this run. */
  static World validated(ApkovlSummary summary) {
    if (summary.encrypted() && summary.entryCount() < 0) {
      return World.skipped(
          "the apkovl is encrypted and was not decrypted, so its packages are unknown");
    }
    return World.known(summary.worldPackages());
  }

  /** The world recorded by {@code newest}, whose apkovl {@code same} has the same bytes. */
  static World recorded(StoredVersion newest, ApkovlRecord same) {
    BootRecord boot = null;
    try {
      boot = VersionMetadata.read(newest.metadata()).boot();
    } catch (IOException | RuntimeException e) {
      // verify reports a damaged version.json; here it only means the names are unknown
    }
    if (boot != null && boot.world() != null) {
      return World.known(boot.world());
    }
    return World.skipped(
        same.encrypted()
            ? "the encrypted apkovl is unchanged since version "
                + newest.id()
                + " and its packages are not kept in clear"
            : "the apkovl is unchanged since version "
                + newest.id()
                + ", which recorded no package list");
  }
}
