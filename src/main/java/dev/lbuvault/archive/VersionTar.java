package dev.lbuvault.archive;

import dev.lbuvault.fs.SecureFiles;
import dev.lbuvault.fs.TreeWalker;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * A version as a POSIX tar stream that GNU tar extracts: its directory tree (the card's files,
 * {@code SHA256SUMS}, {@code version.json}) with names relative to the version's directory, so
 * {@code tar -x} followed by {@code sha256sum -c SHA256SUMS} restores and checks it with standard
 * tools. Long and non-ASCII names and sub-second mtimes go into PAX headers. Members are private
 * (files 0600, directories 0700) whatever the version's read-only modes are. Reading back accepts
 * only directories and regular files under the expected top-level names, never a path that climbs
 * out, and streams every file through a fixed buffer.
 */
public final class VersionTar {
  private static final int BUFFER_BYTES = 1 << 16;
  private static final int FILE_MODE = 0600;
  private static final int DIR_MODE = 0700;

  private VersionTar() {}

  /**
   * Writes {@code dir}'s {@code topLevel} entries (directories recursively, in sorted order) as a
   * tar to {@code out}, and closes {@code out}.
   *
   * @throws IOException if a file cannot be read or is neither a file nor a directory
   */
  public static void write(Path dir, List<String> topLevel, OutputStream out) throws IOException {
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      tar.setAddPaxHeadersForNonAsciiNames(true);
      byte[] buffer = new byte[BUFFER_BYTES];
      for (String name : topLevel) {
        Path top = dir.resolve(name);
        if (Files.isDirectory(top, LinkOption.NOFOLLOW_LINKS)) {
          addDirectory(tar, name, Files.getLastModifiedTime(top, LinkOption.NOFOLLOW_LINKS));
          TreeWalker.walk(
              top,
              e -> {
                if (!e.nameIntact()) {
                  throw new IOException(e.file() + ": name is not valid text, cannot be archived");
                }
                String member = name + "/" + e.path();
                if (e.isDirectory()) {
                  addDirectory(tar, member, e.mtime());
                } else if (e.isFile()) {
                  addFile(tar, member, e.file(), e.size(), e.mtime(), buffer);
                } else {
                  throw new IOException(e.file() + " is neither a file nor a directory");
                }
                return true;
              });
        } else {
          addFile(
              tar,
              name,
              top,
              Files.size(top),
              Files.getLastModifiedTime(top, LinkOption.NOFOLLOW_LINKS),
              buffer);
        }
      }
      tar.finish();
    }
  }

  private static void addDirectory(TarArchiveOutputStream tar, String name, FileTime mtime)
      throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name + "/");
    entry.setMode(TarArchiveEntry.DEFAULT_DIR_MODE & ~0777 | DIR_MODE);
    entry.setLastModifiedTime(mtime);
    tar.putArchiveEntry(entry);
    tar.closeArchiveEntry();
  }

  private static void addFile(
      TarArchiveOutputStream tar, String name, Path file, long size, FileTime mtime, byte[] buffer)
      throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setMode(TarArchiveEntry.DEFAULT_FILE_MODE & ~0777 | FILE_MODE);
    entry.setSize(size);
    entry.setLastModifiedTime(mtime);
    tar.putArchiveEntry(entry);
    long copied = 0;
    try (InputStream in = Files.newInputStream(file)) {
      int n;
      while ((n = in.read(buffer)) >= 0 && copied < size) {
        int take = (int) Math.min(n, size - copied);
        tar.write(buffer, 0, take);
        copied += take;
      }
    }
    if (copied != size) {
      throw new IOException(
          file + " shrank while it was archived: " + copied + " of " + size + " bytes read");
    }
    tar.closeArchiveEntry();
  }

  /**
   * Extracts a tar that {@link #write} made into the existing, empty directory {@code dir}: only
   * directories and regular files whose first name component is one of {@code topLevel}. Files are
   * fsynced and keep their mtimes; directories are fsynced last.
   *
   * @throws VersionTarException naming the member when the tar holds anything else, a name given
   *     twice or a path that climbs out
   */
  public static void extract(InputStream in, Path dir, List<String> topLevel) throws IOException {
    int[] count = {0};
    StrictTarInputStream tar = new StrictTarInputStream(in, () -> "member " + count[0]);
    Deque<Path> dirs = new ArrayDeque<>();
    dirs.push(dir);
    byte[] buffer = new byte[BUFFER_BYTES];
    TarArchiveEntry entry;
    while ((entry = tar.getNextEntry()) != null) {
      count[0]++;
      String name = entry.getName();
      Path target = checkedTarget(dir, name, topLevel, tar.nameWasAbsolute());
      if (entry.isDirectory()) {
        if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
          Files.createDirectory(target, PosixFilePermissions.asFileAttribute(SecureFiles.DIR_MODE));
          dirs.push(target);
        }
      } else if (entry.isFile()) {
        writeFile(tar, target, entry.getLastModifiedTime(), buffer);
      } else {
        throw new VersionTarException(
            "member "
                + name
                + " is neither a file nor a directory (tar type "
                + typeOf(entry)
                + ")");
      }
    }
    while (!dirs.isEmpty()) {
      SecureFiles.fsyncDirectory(dirs.pop());
    }
  }

  private static Path checkedTarget(Path dir, String name, List<String> topLevel, boolean absolute)
      throws VersionTarException {
    String trimmed = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
    String first = trimmed.split("/", 2)[0];
    if (absolute || !topLevel.contains(first)) {
      throw new VersionTarException(
          "member " + name + " is not under " + String.join(", ", topLevel) + ": not a version");
    }
    for (String part : trimmed.split("/", -1)) {
      if (part.isEmpty() || part.equals(".") || part.equals("..")) {
        throw new VersionTarException("member " + name + " has an empty, . or .. path component");
      }
    }
    Path target = dir.resolve(trimmed).normalize();
    if (!target.startsWith(dir) || target.equals(dir)) {
      throw new VersionTarException("member " + name + " would be written outside " + dir);
    }
    return target;
  }

  private static void writeFile(InputStream tar, Path target, FileTime mtime, byte[] buffer)
      throws IOException {
    try (FileChannel out =
        FileChannel.open(
            target,
            Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
            PosixFilePermissions.asFileAttribute(SecureFiles.FILE_MODE))) {
      int n;
      while ((n = tar.read(buffer)) >= 0) {
        ByteBuffer b = ByteBuffer.wrap(buffer, 0, n);
        while (b.hasRemaining()) {
          out.write(b);
        }
      }
      Files.setLastModifiedTime(target, mtime);
      out.force(true);
    }
  }

  private static String typeOf(TarArchiveEntry entry) {
    return entry.isSymbolicLink() ? "symlink" : entry.isLink() ? "hard link" : "other";
  }
}
