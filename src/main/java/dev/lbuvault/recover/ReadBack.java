package dev.lbuvault.recover;

import com.sun.nio.file.ExtendedOpenOption;
import dev.lbuvault.fs.Sha256;
import dev.lbuvault.image.WrittenExtent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Reads back every extent written to the target and compares its SHA-256 with what was written.
 * Reads use O_DIRECT with aligned buffers, so the comparison sees the medium rather than the page
 * cache; where the filesystem refuses O_DIRECT (tmpfs), it falls back to ordinary reads and says
 * so.
 */
public final class ReadBack {
  private static final int ALIGN = 4096;
  private static final int WINDOW = 4 << 20;

  private final Path readFrom;
  private final Path target;
  private boolean direct;

  /**
   * @param readFrom opens the very file or device that was written (an image's temporary name, a
   *     held device's {@code /proc/self/fd} entry)
   * @param target the target as the user named it, for messages
   */
  public ReadBack(Path readFrom, Path target) {
    this.readFrom = readFrom;
    this.target = target;
  }

  /** Whether the last verification bypassed the page cache. */
  public boolean direct() {
    return direct;
  }

  /**
   * Verifies every extent; {@code progress} receives the bytes checked so far.
   *
   * @throws VerificationFailedException naming the first extent (by offset) whose bytes differ
   */
  public void verify(List<WrittenExtent> extents, LongConsumer progress)
      throws IOException, VerificationFailedException {
    List<WrittenExtent> sorted = new ArrayList<>(extents);
    sorted.sort(Comparator.comparingLong(WrittenExtent::offset));
    try (FileChannel ch = open()) {
      ByteBuffer buffer = ByteBuffer.allocateDirect(WINDOW + ALIGN).alignedSlice(ALIGN);
      long checked = 0;
      for (WrittenExtent e : sorted) {
        String actual = hash(ch, buffer, e.offset(), e.length());
        if (!actual.equals(e.sha256())) {
          throw new VerificationFailedException(
              "verification failed: "
                  + target
                  + " does not hold what was written in the "
                  + e.length()
                  + " bytes at byte offset "
                  + e.offset()
                  + "; the card may be failing. The partition table was not written, so this"
                  + " card will not boot: try another card",
              e.offset());
        }
        checked += e.length();
        progress.accept(checked);
      }
    }
  }

  private FileChannel open() throws IOException {
    try {
      FileChannel ch =
          FileChannel.open(readFrom, StandardOpenOption.READ, ExtendedOpenOption.DIRECT);
      direct = true;
      return ch;
    } catch (IOException | UnsupportedOperationException e) {
      direct = false;
      return FileChannel.open(readFrom, StandardOpenOption.READ);
    }
  }

  private String hash(FileChannel ch, ByteBuffer buffer, long offset, long length)
      throws IOException {
    MessageDigest digest = Sha256.newDigest();
    long start = offset - offset % ALIGN;
    long end = offset + length;
    long pos = start;
    while (pos < end) {
      buffer.clear();
      long want = Math.min(WINDOW, roundUp(end - pos));
      buffer.limit((int) want);
      int n = readFully(ch, buffer, pos);
      if (n <= 0) {
        throw new IOException(
            "cannot read back "
                + target
                + " at byte "
                + pos
                + ": it ended early (was the card removed?); the partition table was not written");
      }
      buffer.flip();
      long from = Math.max(offset, pos) - pos;
      long to = Math.min(end, pos + n) - pos;
      buffer.position((int) from);
      buffer.limit((int) to);
      digest.update(buffer);
      pos += n;
    }
    return Sha256.hex(digest);
  }

  private static int readFully(FileChannel ch, ByteBuffer buffer, long pos) throws IOException {
    int total = 0;
    while (buffer.hasRemaining()) {
      int n = ch.read(buffer, pos + total);
      if (n < 0) {
        break;
      }
      total += n;
    }
    return total;
  }

  private static long roundUp(long n) {
    return (n + ALIGN - 1) / ALIGN * ALIGN;
  }
}
