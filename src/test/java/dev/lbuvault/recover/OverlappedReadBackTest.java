package dev.lbuvault.recover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.lbuvault.fs.Sha256;
import dev.lbuvault.image.WrittenExtent;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading back while writing: a byte the medium got wrong must still be found (a fault that cannot
 * be made for real on a healthy disk, so the "medium" here is a file written with other bytes than
 * the ones hashed), mid-write when it is early, at {@link OverlappedReadBack#finish} when it is in
 * the last extent; and the writer may never get further than the unverified bound past it.
 */
class OverlappedReadBackTest {
  private static final int EXTENT = 1 << 20;
  private static final long FLUSH = 1 << 20;
  private static final long MAX_UNFLUSHED = 4L << 20;
  private static final long MAX_UNVERIFIED = 8L << 20;
  private static final int EXTENTS = 40;

  @TempDir Path dir;

  /**
   * Writes {@link #EXTENTS} extents of random bytes, the one at {@code badIndex} (or none for -1)
   * with one byte flipped after hashing; returns how many were written when the writer was stopped.
   */
  private int writeAll(OverlappedReadBack overlap, FileChannel ch, int badIndex) throws Exception {
    Random random = new Random(42);
    List<WrittenExtent> extents = new ArrayList<>();
    byte[] bytes = new byte[EXTENT];
    for (int i = 0; i < EXTENTS; i++) {
      random.nextBytes(bytes);
      long offset = (long) i * EXTENT;
      extents.add(new WrittenExtent(offset, EXTENT, Sha256.of(bytes)));
      if (i == badIndex) {
        bytes[12345] ^= 0x10;
      }
      ByteBuffer buf = ByteBuffer.wrap(bytes);
      while (buf.hasRemaining()) {
        ch.write(buf, offset + buf.position());
      }
      overlap.written(List.copyOf(extents), (long) (i + 1) * EXTENT);
    }
    overlap.finish(List.copyOf(extents), (long) EXTENTS * EXTENT);
    return EXTENTS;
  }

  private FileChannel target() throws Exception {
    return FileChannel.open(
        dir.resolve("card.img"),
        StandardOpenOption.CREATE_NEW,
        StandardOpenOption.READ,
        StandardOpenOption.WRITE);
  }

  private OverlappedReadBack start(FileChannel ch) {
    return OverlappedReadBack.start(
        ch,
        new ReadBack(dir.resolve("card.img"), Path.of("/dev/test-card")),
        FLUSH,
        MAX_UNFLUSHED,
        MAX_UNVERIFIED);
  }

  @Test
  void everyExtentReadsBackAndFinishReturnsOnceAllAreChecked() throws Exception {
    try (FileChannel ch = target();
        OverlappedReadBack overlap = start(ch)) {
      assertThat(writeAll(overlap, ch, -1)).isEqualTo(EXTENTS);
    }
  }

  @Test
  void anEarlyWrongByteStopsTheWriterWithinTheUnverifiedBound() throws Exception {
    int bad = 3;
    List<Integer> reached = new ArrayList<>();
    try (FileChannel ch = target();
        OverlappedReadBack overlap = start(ch)) {
      Random random = new Random(1);
      List<WrittenExtent> extents = new ArrayList<>();
      byte[] bytes = new byte[EXTENT];
      assertThatThrownBy(
              () -> {
                for (int i = 0; i < EXTENTS; i++) {
                  random.nextBytes(bytes);
                  extents.add(new WrittenExtent((long) i * EXTENT, EXTENT, Sha256.of(bytes)));
                  if (i == bad) {
                    bytes[7] ^= 0x01;
                  }
                  ch.write(ByteBuffer.wrap(bytes), (long) i * EXTENT);
                  reached.add(i);
                  overlap.written(List.copyOf(extents), (long) (i + 1) * EXTENT);
                }
                fail("all %d extents were written over a wrong byte in extent %d", EXTENTS, bad);
              })
          .isInstanceOf(VerificationFailedException.class)
          .hasMessageContaining("at byte offset " + (bad * EXTENT))
          .hasMessageContaining("partition table was not written");
    }
    // Nothing past the wrong extent was verified, so the writer may be at most MAX_UNVERIFIED
    // (and the extent it was writing) beyond it: far from the end.
    assertThat(reached.size()).isLessThanOrEqualTo(bad + 1 + (int) (MAX_UNVERIFIED / EXTENT) + 1);
  }

  @Test
  void aWrongByteInTheLastExtentIsFoundByFinish() throws Exception {
    try (FileChannel ch = target();
        OverlappedReadBack overlap = start(ch)) {
      assertThatThrownBy(() -> writeAll(overlap, ch, EXTENTS - 1))
          .isInstanceOf(VerificationFailedException.class)
          .hasMessageContaining("at byte offset " + ((long) (EXTENTS - 1) * EXTENT));
    }
  }
}
