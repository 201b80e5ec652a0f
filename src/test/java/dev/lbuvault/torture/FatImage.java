package dev.lbuvault.torture;

import dev.lbuvault.image.BootSector;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Edits a bare FAT12/16/32 filesystem image the way damage would: FAT entries in either copy,
 * directory entries' start cluster and size, boot-sector and FSInfo bytes. Offsets come from {@link
 * BootSector}; directory lookups read only a directory's first cluster (enough for the small trees
 * {@link HostileImagesTest} builds).
 */
final class FatImage implements AutoCloseable {
  private final FileChannel ch;
  final BootSector boot;

  FatImage(Path image) throws IOException {
    ch = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE);
    boot = BootSector.parse(read(0, 512));
  }

  long eoc() {
    return boot.fatBits() == 12 ? 0xFFF : boot.fatBits() == 16 ? 0xFFFF : 0x0FFFFFFF;
  }

  long bad() {
    return eoc() - 8;
  }

  long get(long cluster) throws IOException {
    int bits = boot.fatBits();
    long off = boot.fatOffset() + (bits == 12 ? cluster * 3 / 2 : cluster * bits / 8);
    ByteBuffer b = read(off, 4);
    if (bits == 12) {
      int v = b.getShort(0) & 0xFFFF;
      return (cluster & 1) == 0 ? v & 0xFFF : v >> 4;
    }
    return bits == 16 ? b.getShort(0) & 0xFFFF : b.getInt(0) & 0x0FFFFFFFL;
  }

  /** Sets {@code cluster}'s entry in FAT copy {@code copy} (0 or 1). */
  void set(int copy, long cluster, long value) throws IOException {
    int bits = boot.fatBits();
    long off =
        boot.fatOffset()
            + copy * boot.fatBytes()
            + (bits == 12 ? cluster * 3 / 2 : cluster * bits / 8);
    ByteBuffer b = read(off, 4);
    if (bits == 12) {
      int v = b.getShort(0) & 0xFFFF;
      v = (cluster & 1) == 0 ? (v & 0xF000) | (int) value : (v & 0x000F) | (int) (value << 4);
      b.putShort(0, (short) v);
    } else if (bits == 16) {
      b.putShort(0, (short) value);
    } else {
      b.putInt(0, (b.getInt(0) & 0xF0000000) | (int) value);
    }
    write(off, b.array());
  }

  void setBoth(long cluster, long value) throws IOException {
    set(0, cluster, value);
    if (boot.fatCount() > 1) {
      set(1, cluster, value);
    }
  }

  /** The root directory's first cluster (0 for FAT12/16's fixed root). */
  long root() {
    return boot.fatBits() == 32 ? boot.rootCluster() : 0;
  }

  /** Byte offset of the entry {@code shortName} (11 bytes, as stored) in a directory. */
  long entry(long dirCluster, String shortName) throws IOException {
    long start = dirCluster == 0 ? boot.rootDirOffset() : boot.clusterOffset(dirCluster);
    int length = dirCluster == 0 ? boot.rootDirBytes() : (int) boot.clusterBytes();
    ByteBuffer d = read(start, length);
    for (int pos = 0; pos + 32 <= length; pos += 32) {
      byte[] name = new byte[11];
      d.get(pos, name);
      if (new String(name, StandardCharsets.ISO_8859_1).equals(shortName)) {
        return start + pos;
      }
    }
    throw new IOException(shortName + " not found in the directory at cluster " + dirCluster);
  }

  long start(long entry) throws IOException {
    ByteBuffer b = read(entry, 32);
    long high = boot.fatBits() == 32 ? (b.getShort(20) & 0xFFFFL) << 16 : 0;
    return high | (b.getShort(26) & 0xFFFFL);
  }

  void setStart(long entry, long cluster) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN);
    write(entry + 26, b.putShort(0, (short) cluster).array());
    if (boot.fatBits() == 32) {
      write(entry + 20, b.putShort(0, (short) (cluster >>> 16)).array());
    }
  }

  long size(long entry) throws IOException {
    return read(entry + 28, 4).getInt(0) & 0xFFFFFFFFL;
  }

  void setSize(long entry, long size) throws IOException {
    write(
        entry + 28,
        ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) size).array());
  }

  /** The chain from {@code start}, at most 1,000 clusters. */
  List<Long> chain(long start) throws IOException {
    List<Long> chain = new ArrayList<>();
    for (long c = start; c >= 2 && c < eoc() - 8 && chain.size() < 1000; c = get(c)) {
      chain.add(c);
    }
    return chain;
  }

  ByteBuffer read(long at, int n) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    ch.read(b, at);
    return b.flip();
  }

  void write(long at, byte[] bytes) throws IOException {
    ch.write(ByteBuffer.wrap(bytes), at);
  }

  @Override
  public void close() throws IOException {
    ch.close();
  }
}
