package dev.lbuvault.backup;

import dev.lbuvault.fs.SecureFiles;
import dev.lbuvault.fs.Sha256;
import dev.lbuvault.source.CardFile;
import dev.lbuvault.source.SourceBusyException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.Set;
import java.util.UUID;

/**
 * Copies one card file into the working mirror while computing its SHA-256, so each byte is read
 * once. The copy goes to a temporary name outside the mirrored tree; only when it is complete and
 * the card file had the same size and mtime before and after the read (otherwise lbu is writing it
 * and the copy is thrown away) is it handed to the {@link Committer}, which fsyncs it and renames
 * it over the target.
 */
final class HashingCopier {
  private static final int BUFFER_BYTES = 1 << 20;

  private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES);
  private final Committer committer;
  private long bytesCopied;

  HashingCopier(Committer committer) {
    this.committer = committer;
  }

  long bytesCopied() {
    return bytesCopied;
  }

  /**
   * Copies {@code source} (expected to match {@code expected}) to {@code target} through a
   * temporary file in {@code staging} (same filesystem as the target); returns the hex SHA-256. The
   * copy is durable and at {@code target} once the committer has been drained.
   */
  String copy(Path source, Path target, Path staging, CardFile expected)
      throws IOException, SourceBusyException {
    requireUnchanged(source, expected);
    Path temp = staging.resolve(UUID.randomUUID().toString());
    MessageDigest digest = Sha256.newDigest();
    long total = 0;
    boolean handedOver = false;
    try {
      try (FileChannel in = openSource(source, expected);
          FileChannel out =
              FileChannel.open(
                  temp,
                  Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                  SecureFiles.readOnlyFileAttribute())) {
        while (true) {
          buffer.clear();
          int n = in.read(buffer);
          if (n < 0) {
            break;
          }
          digest.update(buffer.array(), 0, n);
          buffer.flip();
          while (buffer.hasRemaining()) {
            out.write(buffer);
          }
          total += n;
          if (total > expected.size()) {
            throw new SourceBusyException(expected.path() + " grew while it was read");
          }
        }
        // The mtime is part of what a version keeps: set it before the committer's fsync so that
        // a power cut after the backup reported success cannot leave the copy with the time of the
        // copy.
        Files.setLastModifiedTime(temp, expected.mtime());
      }
      if (total != expected.size()) {
        throw new SourceBusyException(
            expected.path() + " is " + total + " bytes, expected " + expected.size());
      }
      requireUnchanged(source, expected);
      committer.submit(temp, target);
      handedOver = true;
      bytesCopied += total;
      return Sha256.hex(digest);
    } finally {
      if (!handedOver) {
        Files.deleteIfExists(temp);
      }
    }
  }

  private static FileChannel openSource(Path source, CardFile expected)
      throws IOException, SourceBusyException {
    try {
      return FileChannel.open(source, StandardOpenOption.READ);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new SourceBusyException(expected.path() + " vanished while it was read");
    }
  }

  private static void requireUnchanged(Path source, CardFile expected)
      throws IOException, SourceBusyException {
    BasicFileAttributes now;
    try {
      now = Files.readAttributes(source, BasicFileAttributes.class);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new SourceBusyException(expected.path() + " vanished while it was read");
    }
    if (now.size() != expected.size() || !now.lastModifiedTime().equals(expected.mtime())) {
      throw new SourceBusyException(expected.path() + " changed while it was read");
    }
  }
}
