package dev.lbuvault.status;

import dev.lbuvault.repo.ApkovlRecord;
import dev.lbuvault.repo.BootRecord;
import dev.lbuvault.repo.DamageRecord;
import dev.lbuvault.repo.DamageStore;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.repo.VersionMetadata;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What the repository holds for one host: how many versions, when the newest was taken, and how
 * many bytes its versions use. The size is du-like: the logical size of every distinct file,
 * counting a file that several versions share once. On the plain backend shared files are hard
 * links (same device and inode). On btrfs every snapshot is its own subvolume with its own device
 * number but keeps the inode numbers of the subvolume it was taken from, and lbuvault never changes
 * a file of the working mirror in place (it writes a new file and renames it), so there the inode
 * number alone identifies a file shared by several versions. Directories and filesystem metadata
 * are not counted.
 *
 * @param versions published versions of the host
 * @param newest the time of the newest version (its id), if there is one
 * @param sizeBytes logical bytes of the distinct files in all versions
 * @param damagedVersions versions verify marked damaged in {@code damage.json}
 * @param newestBootReady whether the newest version's card boots unattended; empty when unknown (no
 *     version, or one stored before lbuvault checked, or an unreadable {@code version.json})
 * @param newestApkovlUnverified whether the newest version's apkovl is encrypted and was stored
 *     without its content verified (wrong or no password)
 */
public record RepositoryStats(
    int versions,
    Optional<Instant> newest,
    long sizeBytes,
    int damagedVersions,
    Optional<Boolean> newestBootReady,
    boolean newestApkovlUnverified) {
  public RepositoryStats {
    Objects.requireNonNull(newest, "newest");
    Objects.requireNonNull(newestBootReady, "newestBootReady");
    if (versions < 0 || sizeBytes < 0 || damagedVersions < 0 || damagedVersions > versions) {
      throw new IllegalArgumentException(
          "versions, sizeBytes and damagedVersions must be >= 0 (damaged at most versions), got "
              + versions
              + ", "
              + sizeBytes
              + " and "
              + damagedVersions);
    }
  }

  /** Stats whose newest apkovl, if any, was verified. */
  public RepositoryStats(
      int versions,
      Optional<Instant> newest,
      long sizeBytes,
      int damagedVersions,
      Optional<Boolean> newestBootReady) {
    this(versions, newest, sizeBytes, damagedVersions, newestBootReady, false);
  }

  /** Stats without a boot verdict. */
  public RepositoryStats(
      int versions, Optional<Instant> newest, long sizeBytes, int damagedVersions) {
    this(versions, newest, sizeBytes, damagedVersions, Optional.empty());
  }

  /** Stats with no damaged version. */
  public RepositoryStats(int versions, Optional<Instant> newest, long sizeBytes) {
    this(versions, newest, sizeBytes, 0);
  }

  /** Nothing stored yet. */
  public static RepositoryStats empty() {
    return new RepositoryStats(0, Optional.empty(), 0);
  }

  /** Counts {@code host}'s versions in {@code repository}; reads only metadata (stat). */
  public static RepositoryStats of(Repository repository, String host) throws IOException {
    List<StoredVersion> versions = repository.versions(host);
    if (versions.isEmpty()) {
      return empty();
    }
    boolean byInodeOnly = "btrfs".equals(repository.marker().backend());
    Set<Object> seen = new HashSet<>();
    long[] bytes = {0};
    for (StoredVersion v : versions) {
      try {
        Files.walkFileTree(
            v.dir(),
            new SimpleFileVisitor<>() {
              @Override
              public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                  throws IOException {
                if (attrs.isRegularFile() && seen.add(identity(file, byInodeOnly))) {
                  bytes[0] += attrs.size();
                }
                return FileVisitResult.CONTINUE;
              }

              @Override
              public FileVisitResult visitFileFailed(Path file, IOException exc) {
                // A version pruned meanwhile, or an unreadable file: counted by verify, not here.
                return FileVisitResult.CONTINUE;
              }
            });
      } catch (NoSuchFileException e) {
        // pruned while we counted
      }
    }
    StoredVersion newestVersion = versions.get(versions.size() - 1);
    return new RepositoryStats(
        versions.size(),
        Optional.of(newestVersion.id().time()),
        bytes[0],
        damagedVersions(repository, host, versions),
        bootReady(newestVersion),
        apkovlUnverified(newestVersion));
  }

  /** The newest version's boot verdict (one small file read), empty when it has none. */
  private static Optional<Boolean> bootReady(StoredVersion newest) {
    try {
      return Optional.ofNullable(VersionMetadata.read(newest.metadata()).boot())
          .map(BootRecord::ready);
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // verify reports a damaged version.json
    }
  }

  /** Reads the version's metadata; an unreadable one counts as verified here (verify says). */
  private static boolean apkovlUnverified(StoredVersion version) {
    try {
      ApkovlRecord apkovl = VersionMetadata.read(version.metadata()).apkovl();
      return apkovl != null && apkovl.unverified();
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** Versions the host's damage record marks (an unreadable record counts none: verify says). */
  private static int damagedVersions(
      Repository repository, String host, List<StoredVersion> versions) {
    DamageRecord record;
    try {
      record = new DamageStore(repository.host(host)).read();
    } catch (IOException e) {
      return 0;
    }
    return (int) versions.stream().filter(v -> record.isDamaged(v.id())).count();
  }

  private static Object identity(Path file, boolean byInodeOnly) throws IOException {
    Map<String, Object> a = Files.readAttributes(file, "unix:ino,dev", LinkOption.NOFOLLOW_LINKS);
    Object ino = a.get("ino");
    return byInodeOnly ? ino : List.of(a.get("dev"), ino);
  }
}
