package dev.lbuvault.replicate;

import dev.lbuvault.fs.SecureFiles;
import dev.lbuvault.repo.HostArea;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.StoredVersion;
import java.io.IOException;
import java.nio.file.Files;
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
  public boolean holds(StoredVersion v, StoredVersion there) throws IOException {
    return btrfs.show(there.dir()).receivedFrom(btrfs.show(v.dir()));
  }

  @Override
  public String clashReason() {
    return "was not received from " + source.root();
  }

  /** Marker, send | receive, check, unhide; empty on success, else what went wrong. */
  @Override
  public Optional<String> send(StoredVersion v, Transfer t) throws IOException {
    SubvolumeInfo info = btrfs.show(v.dir());
    HostArea area = target.host(t.host());
    SecureFiles.createPrivateDirectories(area.versions());
    Path marker = area.receiving(t.id());
    SecureFiles.writeAtomically(marker, t.kind() + "\n", SecureFiles.FILE_MODE);
    Path received = area.version(t.id());
    String problem;
    try {
      btrfs.sendReceive(
          v.dir(), t.parent().map(p -> source.host(t.host()).version(p)), area.versions());
      SubvolumeInfo got = btrfs.show(received);
      problem =
          !got.readOnly()
              ? "is not read-only"
              : !got.receivedFrom(info) ? "has no received UUID matching the source" : null;
    } catch (IOException e) {
      problem = "failed: " + e.getMessage();
    }
    if (problem != null) {
      target.backend().delete(received);
      Files.deleteIfExists(marker);
      SecureFiles.fsyncDirectory(area.versions());
      return Optional.of(
          "version "
              + t.id()
              + " of host "
              + t.host()
              + " was not replicated: the received copy "
              + problem
              + "; it was deleted, and the next replicate sends it again");
    }
    Files.delete(marker);
    SecureFiles.fsyncDirectory(area.versions());
    return Optional.empty();
  }
}
