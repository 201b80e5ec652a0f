package dev.lbuvault.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Objects;

/**
 * A file's bytes, following its cluster chain: reads runs of consecutive clusters (at most 1 MiB)
 * with one call and stops at the file size. A chain that ends, leaves the volume or meets a free or
 * bad cluster before the size is an {@link IOException} naming the path.
 */
final class ChainStream extends InputStream {
  private static final int READ_CHUNK = 1 << 20;

  private final FileChannel channel;
  private final long partitionOffset;
  private final BootSector boot;
  private final FatTable fat;
  private final String path;
  private final long size;
  private final int clusterBytes;
  private final ByteBuffer buffer;
  private long cluster;
  private long remaining;

  ChainStream(
      FileChannel channel,
      long partitionOffset,
      BootSector boot,
      FatTable fat,
      String path,
      long firstCluster,
      long size) {
    this.channel = channel;
    this.partitionOffset = partitionOffset;
    this.boot = boot;
    this.fat = fat;
    this.path = path;
    this.size = size;
    this.cluster = firstCluster;
    this.remaining = size;
    this.clusterBytes = (int) boot.clusterBytes();
    long clusters =
        Math.min(Math.max(1, READ_CHUNK / clusterBytes), (size + clusterBytes - 1) / clusterBytes);
    this.buffer = ByteBuffer.allocate((int) Math.max(1, clusters) * clusterBytes);
    buffer.flip();
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    if (!buffer.hasRemaining()) {
      if (remaining == 0) {
        return -1;
      }
      fill();
    }
    int n = Math.min(len, buffer.remaining());
    buffer.get(b, off, n);
    return n;
  }

  /** Reads the next run of consecutive clusters (at most a buffer full) with one call. */
  private void fill() throws IOException {
    long maxRun = buffer.capacity() / clusterBytes;
    long runStart = cluster;
    long count = 0;
    long next = -1;
    long c = runStart;
    while (true) {
      fat.requireDataCluster(c, path);
      count++;
      if (count * clusterBytes >= remaining) {
        break; // the file's last cluster: whatever follows in the FAT does not matter
      }
      long entry = fat.next(c);
      if (entry < 0) {
        throw new IOException(path + ": cluster chain ends before the file size " + size);
      }
      if (count == maxRun || entry != c + 1) {
        next = entry;
        break;
      }
      c = entry;
    }
    int bytes = (int) Math.min(remaining, count * clusterBytes);
    buffer.clear().limit(bytes);
    FatIo.readFully(channel, buffer, partitionOffset + boot.clusterOffset(runStart));
    buffer.flip();
    remaining -= bytes;
    cluster = next;
  }
}
