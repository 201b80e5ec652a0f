package dev.lbuvault.replicate;

import dev.lbuvault.fs.SecureFiles;
import dev.lbuvault.fs.TreeWalker;
import dev.lbuvault.repo.ChecksumManifest;
import dev.lbuvault.repo.HostArea;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.repo.VersionId;
import dev.lbuvault.verify.Problem;
import dev.lbuvault.verify.Verifier;
import dev.lbuvault.verify.VerifyReport;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Replication into a plain-backend repository by copying a version's tree, the way the plain
 * backend itself keeps versions: a file whose path, SHA-256 (by the source's {@code SHA256SUMS}),
 * size and mtime are those of the target's previous version is hard-linked to it, so an unchanged
 * file costs nothing twice; every other file is streamed through a fixed buffer. The copy is built
 * at {@code versions/.partial-ID} (which the next writer deletes if the run dies), made read-only
 * as the plain backend makes versions (files 0400, directories 0500), verified against its own
 * {@code SHA256SUMS} by re-reading every file on the target, and only then renamed into place.
 * Versions pair by identical {@code SHA256SUMS}.
 */
final class TreeCopyTransfer implements VersionTransport {
  private static final int BUFFER_BYTES = 1 << 20;

  private final Repository target;
  private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES);

  TreeCopyTransfer(Repository target) {
    this.target = target;
  }

  @Override
  public boolean holds(StoredVersion v, VersionId there) throws IOException {
    Path sums = target.host(v.host()).version(there).resolve(StoredVersion.SUMS_FILE);
    if (!Files.isRegularFile(sums, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    return Files.mismatch(v.sums(), sums) == -1L;
  }

  @Override
  public String clashReason() {
    return "its SHA256SUMS differs from the source's";
  }

  /** Build at .partial-ID, seal read-only, verify on the target, publish by rename. */
  @Override
  public Optional<String> send(StoredVersion v, Transfer t) throws IOException {
    HostArea area = target.host(t.host());
    SecureFiles.createPrivateDirectories(area.versions());
    Path partial = area.partial(t.id());
    Optional<StoredVersion> base =
        t.parent().map(p -> new StoredVersion(t.host(), p, area.version(p)));
    String problem;
    try {
      Deque<Path> dirs = copyTree(v, base, partial);
      seal(dirs);
      problem = check(new StoredVersion(t.host(), t.id(), partial));
    } catch (IOException e) {
      problem = "failed: " + e.getMessage();
    }
    if (problem != null) {
      target.backend().delete(partial);
      SecureFiles.fsyncDirectory(area.versions());
      return Optional.of(
          "version "
              + t.id()
              + " of host "
              + t.host()
              + " was not replicated: the copy "
              + problem
              + "; it was deleted, and the next replicate copies it again");
    }
    SecureFiles.moveAtomically(partial, area.version(t.id()));
    SecureFiles.fsyncDirectory(area.versions());
    return Optional.empty();
  }

  /** Copies card/, SHA256SUMS and version.json; returns the directories made, parents first. */
  private Deque<Path> copyTree(StoredVersion v, Optional<StoredVersion> base, Path partial)
      throws IOException {
    Map<String, String> sums = ChecksumManifest.read(v.sums()).byPath();
    Map<String, String> baseSums = base.isPresent() ? sumsOrNone(base.get()) : Map.of();
    Deque<Path> dirs = new ArrayDeque<>();
    makeDirectory(partial, dirs);
    Path card = partial.resolve(StoredVersion.CARD_DIR);
    makeDirectory(card, dirs);
    TreeWalker.walk(
        v.card(),
        e -> {
          // relativize/resolve keep a name's bytes even when its text form does not
          Path copy = card.resolve(v.card().relativize(e.file()));
          if (e.isDirectory()) {
            makeDirectory(copy, dirs);
          } else if (e.isFile()) {
            String key = StoredVersion.CARD_DIR + "/" + e.path();
            if (!sums.containsKey(key)) {
              throw new IOException(
                  e.file() + " is not listed in " + v.sums() + "; run lbuvault verify on it");
            }
            if (!linkUnchanged(e, key, sums.get(key), base, baseSums, copy)) {
              copyBytes(e.file(), copy, e.mtime());
            }
          } else {
            throw new IOException(e.file() + " is neither a file nor a directory");
          }
          return true;
        });
    copyBytes(v.sums(), partial.resolve(StoredVersion.SUMS_FILE), mtime(v.sums()));
    copyBytes(v.metadata(), partial.resolve(StoredVersion.METADATA_FILE), mtime(v.metadata()));
    return dirs;
  }

  /** The base version's checksums; none (copy everything) when they cannot be read. */
  private static Map<String, String> sumsOrNone(StoredVersion base) {
    try {
      return ChecksumManifest.read(base.sums()).byPath();
    } catch (IOException e) {
      return Map.of();
    }
  }

  /** Hard-links {@code copy} to the base version's file when it is the same file; else false. */
  private static boolean linkUnchanged(
      TreeWalker.Entry e,
      String key,
      String sha256,
      Optional<StoredVersion> base,
      Map<String, String> baseSums,
      Path copy)
      throws IOException {
    if (base.isEmpty() || !sha256.equals(baseSums.get(key))) {
      return false;
    }
    Path old = base.get().dir().resolve(key);
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(old, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException gone) {
      return false;
    }
    if (!a.isRegularFile() || a.size() != e.size() || !a.lastModifiedTime().equals(e.mtime())) {
      return false;
    }
    Files.createLink(copy, old);
    return true;
  }

  private static void makeDirectory(Path dir, Deque<Path> dirs) throws IOException {
    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(SecureFiles.DIR_MODE));
    // umask may have removed bits we need; it can never have added any.
    Files.setPosixFilePermissions(dir, SecureFiles.DIR_MODE);
    dirs.push(dir);
  }

  /** Streams {@code from} to a new read-only {@code to} with {@code mtime}, fsynced. */
  private void copyBytes(Path from, Path to, FileTime mtime) throws IOException {
    try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ);
        FileChannel out =
            FileChannel.open(
                to,
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                SecureFiles.readOnlyFileAttribute())) {
      while (true) {
        buffer.clear();
        if (in.read(buffer) < 0) {
          break;
        }
        buffer.flip();
        while (buffer.hasRemaining()) {
          out.write(buffer);
        }
      }
      // Mode and mtime are metadata the fsync must cover, so they are set first.
      Files.setPosixFilePermissions(to, SecureFiles.READ_ONLY_FILE_MODE);
      Files.setLastModifiedTime(to, mtime);
      out.force(true);
    }
  }

  private static FileTime mtime(Path file) throws IOException {
    return Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS);
  }

  /** Directories become read-only deepest first, each fsynced so its entries are durable. */
  private static void seal(Deque<Path> dirs) throws IOException {
    while (!dirs.isEmpty()) {
      Path dir = dirs.pop();
      Files.setPosixFilePermissions(dir, SecureFiles.READ_ONLY_DIR_MODE);
      SecureFiles.fsyncDirectory(dir);
    }
  }

  /**
   * Re-reads the copy on the target and checks it as verify does (every file against its
   * SHA256SUMS, the list against version.json, nothing missing or extra); null when clean.
   */
  private static String check(StoredVersion copy) throws IOException {
    VerifyReport report = new Verifier(1).verify(List.of(copy));
    if (report.versions().size() != 1) {
      return "vanished while it was verified";
    }
    List<Problem> problems = report.problems();
    if (problems.isEmpty()) {
      return null;
    }
    return "does not match its checksums ("
        + problems.get(0).describe()
        + (problems.size() > 1 ? "; " + (problems.size() - 1) + " more problem(s)" : "")
        + ")";
  }
}
