package dev.lbuvault.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * File operations that keep the repository private and crash-safe: every directory is created 0700
 * and every file 0600 or 0400 (the card's apkovl holds {@code /etc/shadow} and private keys), and
 * small files are replaced by writing a temporary name, fsyncing it, renaming it over the target
 * and fsyncing the directory, so a crash at any instant leaves either the old or the new content.
 */
public final class SecureFiles {
  private static final String TEMP_INFIX = ".tmp-";
  public static final Set<PosixFilePermission> DIR_MODE =
      PosixFilePermissions.fromString("rwx------");
  public static final Set<PosixFilePermission> READ_ONLY_DIR_MODE =
      PosixFilePermissions.fromString("r-x------");
  public static final Set<PosixFilePermission> FILE_MODE =
      PosixFilePermissions.fromString("rw-------");
  public static final Set<PosixFilePermission> READ_ONLY_FILE_MODE =
      PosixFilePermissions.fromString("r--------");

  private SecureFiles() {}

  public static FileAttribute<Set<PosixFilePermission>> readOnlyFileAttribute() {
    return PosixFilePermissions.asFileAttribute(READ_ONLY_FILE_MODE);
  }

  /** Creates a directory and any missing parents, each with mode 0700. */
  public static void createPrivateDirectories(Path dir) throws IOException {
    if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Path parent = dir.toAbsolutePath().getParent();
    if (parent != null && !Files.exists(parent)) {
      createPrivateDirectories(parent);
    }
    try {
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
    } catch (java.nio.file.FileAlreadyExistsException e) {
      if (!Files.isDirectory(dir)) {
        throw e;
      }
    }
    // umask may have removed bits we need; it can never have added any.
    Files.setPosixFilePermissions(dir, DIR_MODE);
    // The new entry lives in the parent: without this a power cut could lose the directory (and
    // all that is later written below it) although the command reported success.
    if (parent != null) {
      fsyncDirectory(parent);
    }
  }

  /**
   * Whether {@code name} is the temporary name {@link #writeAtomically} writes under: what a
   * process killed in the middle of that write leaves, for the next writer to delete.
   */
  public static boolean isAtomicWriteTemp(String name) {
    return name.startsWith(".") && name.contains(TEMP_INFIX);
  }

  /** Replaces {@code target} with {@code text} atomically and durably. */
  public static void writeAtomically(Path target, String text, Set<PosixFilePermission> mode)
      throws IOException {
    writeAtomically(target, text.getBytes(StandardCharsets.UTF_8), mode);
  }

  /** Replaces {@code target} with {@code bytes} atomically and durably. */
  public static void writeAtomically(Path target, byte[] bytes, Set<PosixFilePermission> mode)
      throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Path temp = dir.resolve("." + target.getFileName() + TEMP_INFIX + tempSuffix());
    try {
      try (FileChannel ch =
          FileChannel.open(
              temp,
              Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
              PosixFilePermissions.asFileAttribute(mode))) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        // The mode is metadata the fsync must cover, so it is set first.
        Files.setPosixFilePermissions(temp, mode);
        ch.force(true);
      }
      moveAtomically(temp, target);
      fsyncDirectory(dir);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /**
   * A random suffix in UUID form. Not {@code UUID.randomUUID()}: its SecureRandom loads the JDK's
   * security providers (about 90 classes and their tables), which the idle daemon, writing its
   * state file, would then keep for good (docs/monitoring.md#footprint). The name only has to
   * differ from a concurrent writer's, and CREATE_NEW turns a clash into an error, never a mix.
   */
  private static String tempSuffix() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return new UUID(random.nextLong(), random.nextLong()).toString();
  }

  /** Renames {@code from} over {@code to} in one step; fails rather than copying. */
  public static void moveAtomically(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException(
          "cannot rename " + from + " to " + to + " atomically: both must be on one filesystem", e);
    }
  }

  /** Makes a directory's entries (creations, renames, deletions) durable. */
  public static void fsyncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  /**
   * Deletes a tree, first giving back the owner write permission that read-only versions lack.
   * Missing entries are ignored so that an interrupted delete can simply be run again.
   */
  public static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            Files.setPosixFilePermissions(dir, DIR_MODE);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            try {
              Files.delete(file);
            } catch (NoSuchFileException ignored) {
              // already gone: a previous attempt got this far
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
            if (exc != null) {
              throw exc;
            }
            try {
              Files.delete(dir);
            } catch (NoSuchFileException ignored) {
              // already gone
            } catch (DirectoryNotEmptyException e) {
              throw new IOException("cannot delete " + dir + ": it is not empty", e);
            }
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
