package dev.lbuvault.uncommitted;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code lstat} of a file under the root, with the fields apk and lbu compare, and its digests. A
 * symlink's "content" is its target, as apk checksums it ({@code apk_fileinfo_get}).
 *
 * @param kind what the file is (the link itself, never its target)
 * @param mode permission bits, {@code 07777}
 * @param uid owner
 * @param gid group
 * @param size content size in bytes
 * @param changed status change time (ctime): when the file last changed in any way
 */
record LiveFile(Kind kind, int mode, long uid, long gid, long size, FileTime changed) {
  /** File types, as far as lbu's comparison cares. */
  enum Kind {
    FILE,
    DIRECTORY,
    SYMLINK,
    OTHER
  }

  private static final int TYPE_MASK = 0170000;
  private static final int TYPE_FILE = 0100000;
  private static final int TYPE_DIR = 0040000;
  private static final int TYPE_LINK = 0120000;
  private static final int BUFFER_SIZE = 1 << 16;

  LiveFile {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(changed, "changed");
  }

  /** The file's status without following a symlink; empty when it does not exist. */
  static Optional<LiveFile> stat(Path p) throws IOException {
    Map<String, Object> a;
    try {
      a = Files.readAttributes(p, "unix:mode,uid,gid,size,ctime", LinkOption.NOFOLLOW_LINKS);
    } catch (java.nio.file.NoSuchFileException | java.nio.file.NotDirectoryException e) {
      return Optional.empty();
    }
    int mode = (Integer) a.get("mode");
    Kind kind =
        switch (mode & TYPE_MASK) {
          case TYPE_FILE -> Kind.FILE;
          case TYPE_DIR -> Kind.DIRECTORY;
          case TYPE_LINK -> Kind.SYMLINK;
          default -> Kind.OTHER;
        };
    return Optional.of(
        new LiveFile(
            kind,
            mode & 07777,
            ((Integer) a.get("uid")) & 0xFFFF_FFFFL,
            ((Integer) a.get("gid")) & 0xFFFF_FFFFL,
            (Long) a.get("size"),
            (FileTime) a.get("ctime")));
  }

  /** The digest of a regular file's content or a symlink's target, read as a stream. */
  static byte[] digest(Path p, Kind kind, MessageDigest digest) throws IOException {
    if (kind == Kind.SYMLINK) {
      return digest.digest(linkTarget(p).getBytes(StandardCharsets.UTF_8));
    }
    byte[] buffer = new byte[BUFFER_SIZE];
    try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        digest.update(buffer, 0, n);
      }
    }
    return digest.digest();
  }

  static String linkTarget(Path p) throws IOException {
    return Files.readSymbolicLink(p).toString();
  }
}
