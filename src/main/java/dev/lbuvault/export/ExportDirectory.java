package dev.lbuvault.export;

import dev.lbuvault.fs.SecureFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * An export directory, held by one export at a time: an fcntl lock on its {@code lock} file (which
 * the kernel drops if the export dies). Files being written carry the {@link #TEMP_PREFIX}; the
 * holder deletes any an earlier, killed run left.
 */
final class ExportDirectory implements AutoCloseable {
  static final String LOCK_FILE = "lock";
  static final String TEMP_PREFIX = ".tmp-";

  private final FileChannel channel;
  private final FileLock lock;

  private ExportDirectory(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** Creates {@code dir} (0700) if needed and locks it, failing at once if another run holds it. */
  static ExportDirectory lock(Path dir) throws IOException {
    SecureFiles.createPrivateDirectories(dir);
    FileChannel ch =
        FileChannel.open(
            dir.resolve(LOCK_FILE),
            Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
            PosixFilePermissions.asFileAttribute(SecureFiles.FILE_MODE));
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (IOException | OverlappingFileLockException e) {
      ch.close();
      throw new IOException("cannot lock " + dir.resolve(LOCK_FILE) + ": " + e.getMessage(), e);
    }
    if (lock == null) {
      ch.close();
      throw new IOException(
          "export directory " + dir + " is in use by another lbuvault export; wait for it to end");
    }
    return new ExportDirectory(ch, lock);
  }

  /** Deletes what a killed export left half-written. */
  static void removeTemporaries(Path dir) throws IOException {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, TEMP_PREFIX + "*")) {
      for (Path p : entries) {
        Files.deleteIfExists(p);
      }
    }
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }
}
