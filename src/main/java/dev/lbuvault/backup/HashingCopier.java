package dev.lbuvault.backup;

import dev.lbuvault.fs.SecureFiles;
import dev.lbuvault.fs.Sha256;
import dev.lbuvault.source.CardFile;
import dev.lbuvault.source.CardReader;
import dev.lbuvault.source.SourceBusyException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Set;
import java.util.UUID;

/**
 * Copies one card file's bytes into the working mirror while computing their SHA-256, so each byte
 * is read once. The copy goes to a temporary name outside the mirrored tree; only when it is
 * complete and the {@link CardReader} confirms the card file did not change while it was read
 * (otherwise lbu is writing it and the copy is thrown away with the staging directory) is it handed
 * to the {@link Committer}, which fsyncs it and renames it over the target.
 */
final class HashingCopier {
  private static final int BUFFER_BYTES = 1 << 20;

  private final byte[] buffer = new byte[BUFFER_BYTES];
  private final Committer committer;
  private long bytesCopied;

  HashingCopier(Committer committer) {
    this.committer = committer;
  }

  long bytesCopied() {
    return bytesCopied;
  }

  /** A complete copy in staging, with its hash, waiting for {@link #accept}. */
  final class Staged implements CardReader.Received {
    private final Path temp;
    private final Path target;
    private final String sha256;
    private final long bytes;

    private Staged(Path temp, Path target, String sha256, long bytes) {
      this.temp = temp;
      this.target = target;
      this.sha256 = sha256;
      this.bytes = bytes;
    }

    String sha256() {
      return sha256;
    }

    /** Hands the copy to the committer: durable and at its target once that is drained. */
    @Override
    public void accept() throws IOException {
      committer.submit(temp, target);
      bytesCopied += bytes;
    }
  }

  /**
   * Copies {@code in} (the bytes of {@code expected}) to a temporary file in {@code staging} (same
   * filesystem as {@code target}) with the card file's mtime, and returns it staged.
   *
   * @throws SourceBusyException when the stream holds more or fewer bytes than the card file had
   */
  Staged copy(InputStream in, Path target, Path staging, CardFile expected)
      throws IOException, SourceBusyException {
    Path temp = staging.resolve(UUID.randomUUID().toString());
    MessageDigest digest = Sha256.newDigest();
    long total = 0;
    boolean complete = false;
    try {
      try (FileChannel out =
          FileChannel.open(
              temp,
              Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
              SecureFiles.readOnlyFileAttribute())) {
        for (int n; (n = in.read(buffer)) >= 0; ) {
          digest.update(buffer, 0, n);
          ByteBuffer bytes = ByteBuffer.wrap(buffer, 0, n);
          while (bytes.hasRemaining()) {
            out.write(bytes);
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
      complete = true;
      return new Staged(temp, target, Sha256.hex(digest), total);
    } finally {
      if (!complete) {
        Files.deleteIfExists(temp);
      }
    }
  }
}
