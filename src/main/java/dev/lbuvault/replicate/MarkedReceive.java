package dev.lbuvault.replicate;

import dev.lbuvault.fs.SecureFiles;
import dev.lbuvault.repo.HostArea;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.VersionId;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The receiving half of a btrfs replication, the same whether {@code btrfs receive} reads a local
 * {@code btrfs send} or one that came over ssh: a {@code .receiving-ID} marker (fsynced) hides
 * {@code versions/ID} while it is filled; then the received subvolume is checked as btrbk checks it
 * (read-only, received UUID equal to the source's UUID) and must be the only new entry (a stream
 * that named its subvolume otherwise is garbled too). Anything else is deleted and reported; only a
 * clean receive loses its marker.
 */
final class MarkedReceive {
  /** What fills {@code versions/}: a {@code btrfs receive} into that directory. */
  interface Receiving {
    void into(Path versionsDir) throws IOException;
  }

  private final Repository target;
  private final BtrfsTransfer btrfs;

  MarkedReceive(Repository target, BtrfsTransfer btrfs) {
    this.target = target;
    this.btrfs = btrfs;
  }

  /** Marker, receive, check, unhide; empty on success, else one line saying what went wrong. */
  Optional<String> receive(String host, VersionId id, String sourceUuid, Receiving receiving)
      throws IOException {
    HostArea area = target.host(host);
    SecureFiles.createPrivateDirectories(area.versions());
    Path marker = area.receiving(id);
    Path received = area.version(id);
    if (Files.exists(received)) {
      return Optional.of(
          failure(host, id, "could not be received: " + received + " already exists", ""));
    }
    SecureFiles.writeAtomically(marker, id + "\n", SecureFiles.FILE_MODE);
    Set<Path> before = entries(area.versions());
    String problem;
    try {
      receiving.into(area.versions());
      problem = check(area, received, sourceUuid, before);
    } catch (IOException e) {
      problem = "failed: " + e.getMessage();
    }
    if (problem != null) {
      for (Path p : newEntries(area.versions(), before)) {
        target.backend().delete(p);
      }
      target.backend().delete(received);
      Files.deleteIfExists(marker);
      SecureFiles.fsyncDirectory(area.versions());
      return Optional.of(
          failure(
              host,
              id,
              "the received copy " + problem,
              "; it was deleted, and the next replicate sends it again"));
    }
    Files.delete(marker);
    SecureFiles.fsyncDirectory(area.versions());
    return Optional.empty();
  }

  private String check(HostArea area, Path received, String sourceUuid, Set<Path> before)
      throws IOException {
    Set<Path> added = newEntries(area.versions(), before);
    added.remove(received);
    if (!added.isEmpty()) {
      return "came with other entries (" + added.iterator().next().getFileName() + ")";
    }
    if (!Files.isDirectory(received)) {
      return "is missing: the stream did not hold version " + received.getFileName();
    }
    SubvolumeInfo got = btrfs.show(received);
    if (!got.readOnly()) {
      return "is not read-only";
    }
    if (!got.receivedUuid().filter(sourceUuid::equals).isPresent()) {
      return "has no received UUID matching the source";
    }
    return null;
  }

  private static String failure(String host, VersionId id, String what, String then) {
    return "version " + id + " of host " + host + " was not replicated: " + what + then;
  }

  private static Set<Path> newEntries(Path dir, Set<Path> before) throws IOException {
    Set<Path> now = entries(dir);
    now.removeAll(before);
    return now;
  }

  private static Set<Path> entries(Path dir) throws IOException {
    Set<Path> all = new HashSet<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      s.forEach(all::add);
    }
    return all;
  }
}
