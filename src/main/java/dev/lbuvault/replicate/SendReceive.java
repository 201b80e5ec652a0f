package dev.lbuvault.replicate;

import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.repo.VersionId;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Replication between btrfs repositories: {@code btrfs send [-p PARENT] | btrfs receive}, with the
 * received subvolume hidden by a {@code .receiving-ID} marker until it is checked as btrbk checks
 * it (read-only, with a received UUID equal to the source's UUID). Versions pair by received UUID.
 */
final class SendReceive implements VersionTransport {
  private final Repository source;
  private final Repository target;
  private final BtrfsTransfer btrfs;

  SendReceive(Repository source, Repository target, BtrfsTransfer btrfs) {
    this.source = source;
    this.target = target;
    this.btrfs = btrfs;
  }

  @Override
  public boolean holds(StoredVersion v, VersionId there) throws IOException {
    return btrfs.show(target.host(v.host()).version(there)).receivedFrom(btrfs.show(v.dir()));
  }

  @Override
  public String clashReason() {
    return "was not received from " + source.root();
  }

  /** Marker, send | receive, check, unhide; empty on success, else what went wrong. */
  @Override
  public Optional<String> send(StoredVersion v, Transfer t) throws IOException {
    SubvolumeInfo info = btrfs.show(v.dir());
    Optional<Path> parent = t.parent().map(p -> source.host(t.host()).version(p));
    return new MarkedReceive(target, btrfs)
        .receive(t.host(), t.id(), info.uuid(), dir -> btrfs.sendReceive(v.dir(), parent, dir));
  }
}
