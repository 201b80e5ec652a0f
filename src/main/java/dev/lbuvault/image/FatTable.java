package dev.lbuvault.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * The first FAT of a filesystem, read through a 64 KiB window so that following a chain costs one
 * read per 64 KiB of FAT, whatever the volume size. It knows the entry values that end a chain,
 * mark a cluster bad or free, and which cluster numbers lie on the volume. Not thread-safe.
 */
final class FatTable {
  static final int WINDOW_BYTES = 64 * 1024;

  private final FileChannel channel;
  private final long fatStart;
  private final BootSector boot;
  private final byte[] window = new byte[WINDOW_BYTES];
  private long windowStart = -1;

  FatTable(FileChannel channel, long partitionOffset, BootSector boot) {
    this.channel = channel;
    this.fatStart = partitionOffset + boot.fatOffset();
    this.boot = boot;
  }

  int fatBits() {
    return boot.fatBits();
  }

  /** The smallest entry value that ends a chain. */
  long endOfChain() {
    return boot.fatBits() == 12 ? 0xFF8 : boot.fatBits() == 16 ? 0xFFF8 : 0x0FFFFFF8L;
  }

  /** The entry value that marks a cluster bad. */
  long bad() {
    return endOfChain() - 1;
  }

  boolean isEndOfChain(long entry) {
    return entry >= endOfChain();
  }

  /** True for a cluster number that names a data cluster of this volume. */
  boolean isDataCluster(long cluster) {
    return cluster >= 2 && cluster < boot.clusterCount() + 2;
  }

  void requireDataCluster(long cluster, String what) throws IOException {
    if (!isDataCluster(cluster)) {
      throw new IOException(
          what + " cluster chain reaches cluster " + cluster + ", outside the volume");
    }
  }

  /**
   * The next cluster of a chain after {@code cluster}, or -1 at its end.
   *
   * @throws IOException if the entry marks the cluster bad or free
   */
  long next(long cluster) throws IOException {
    long entry = entry(cluster);
    if (isEndOfChain(entry)) {
      return -1;
    }
    if (entry == bad()) {
      throw new IOException("cluster chain runs into a cluster marked bad");
    }
    if (entry < 2) {
      throw new IOException("cluster chain runs into a free cluster");
    }
    return entry;
  }

  /** The raw FAT entry of {@code cluster} in the first FAT. */
  long entry(long cluster) throws IOException {
    int bits = boot.fatBits();
    long offset = bits == 12 ? cluster * 3 / 2 : cluster * bits / 8;
    int width = bits == 32 ? 4 : 2;
    if (windowStart < 0 || offset < windowStart || offset + width > windowStart + WINDOW_BYTES) {
      windowStart = offset - offset % BootSector.BYTES;
      // may run past the FAT into the data area, or stop early at the end of a tiny image
      FatIo.readUpTo(channel, ByteBuffer.wrap(window), fatStart + windowStart);
    }
    int i = (int) (offset - windowStart);
    long value = (window[i] & 0xFF) | (window[i + 1] & 0xFF) << 8;
    if (bits == 12) {
      return (cluster & 1) == 0 ? value & 0xFFF : value >> 4;
    } else if (bits == 16) {
      return value;
    }
    value |= (long) (window[i + 2] & 0xFF) << 16 | (long) (window[i + 3] & 0xFF) << 24;
    return value & 0x0FFFFFFFL;
  }
}
