package dev.lbuvault.image;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Reads a FAT12, FAT16 or FAT32 filesystem from a channel at an offset, without mounting it: for
 * {@code lbuvault inspect} of a card or image, and as a second judge of what {@link FatWriter}
 * writes. The type is decided as the Linux kernel decides it (FAT32 by its BPB layout, FAT12 and
 * FAT16 by cluster count). Long names come from VFAT LFN entries whose checksum matches, otherwise
 * the 8.3 name (with the NT lower-case flags), decoded as code page 850 like mtools and dosfstools
 * do by default (Linux mounts with 437: the two differ only in bytes above 0x7F). Times are read as
 * UTC, as {@link FatWriter} writes them. A damaged filesystem gives an {@link IOException} naming
 * what is wrong (a chain that loops or leaves the volume, a directory too big), never an endless
 * loop. Not thread-safe.
 */
public final class FatReader {
  private static final int ENTRY = 32;
  private static final int MAX_DEPTH = 256;
  private static final int MAX_DIRECTORY_BYTES = 65536 * ENTRY;
  private static final int FAT_WINDOW = 64 * 1024;
  private static final int READ_CHUNK = 1 << 20;
  private static final String NO_NAME = "NO NAME";
  private static final Charset OEM = oemCharset();

  private final FileChannel channel;
  private final long base;
  private final int bytesPerSector;
  private final int sectorsPerCluster;
  private final long fatOffset;
  private final long clusterCount;
  private final long firstDataByte;
  private final int fatBits;
  private final long rootCluster;
  private final long rootDirOffset;
  private final int rootDirBytes;
  private final int volumeId;
  private final String label;
  private long windowStart = -1;
  private final byte[] window = new byte[FAT_WINDOW];

  private FatReader(FileChannel channel, long base, ByteBuffer b) throws IOException {
    this.channel = channel;
    this.base = base;
    bytesPerSector = b.getShort(0x0B) & 0xFFFF;
    sectorsPerCluster = b.get(0x0D) & 0xFF;
    int reserved = b.getShort(0x0E) & 0xFFFF;
    int fats = b.get(0x10) & 0xFF;
    int rootEntries = b.getShort(0x11) & 0xFFFF;
    long totalSectors = b.getShort(0x13) & 0xFFFF;
    if (totalSectors == 0) {
      totalSectors = b.getInt(0x20) & 0xFFFFFFFFL;
    }
    long fatSize = b.getShort(0x16) & 0xFFFF;
    boolean fat32 = fatSize == 0;
    if (fat32) {
      fatSize = b.getInt(0x24) & 0xFFFFFFFFL;
    }
    if (!isPowerOfTwo(bytesPerSector)
        || bytesPerSector < 512
        || bytesPerSector > 4096
        || !isPowerOfTwo(sectorsPerCluster)
        || reserved < 1
        || fats < 1
        || fatSize == 0
        || totalSectors == 0) {
      throw new IOException("not a FAT filesystem: implausible boot sector parameters");
    }
    fatOffset = (long) reserved * bytesPerSector;
    rootDirOffset = fatOffset + fats * fatSize * bytesPerSector;
    rootDirBytes = rootEntries * ENTRY;
    long rootDirSectors = ((long) rootDirBytes + bytesPerSector - 1) / bytesPerSector;
    long firstDataSector = (long) reserved + fats * fatSize + rootDirSectors;
    if (firstDataSector >= totalSectors) {
      throw new IOException("not a FAT filesystem: no room for data after the FATs");
    }
    clusterCount = (totalSectors - firstDataSector) / sectorsPerCluster;
    firstDataByte = firstDataSector * bytesPerSector;
    int extended;
    if (fat32) {
      fatBits = 32;
      rootCluster = b.getInt(0x2C) & 0x0FFFFFFFL;
      extended = 0x40;
    } else {
      fatBits = clusterCount < 4085 ? 12 : 16;
      rootCluster = 0;
      extended = 0x24;
    }
    long fatEntries = fatSize * bytesPerSector * 8 / fatBits;
    if (fatEntries < clusterCount + 2) {
      throw new IOException(
          "not a valid FAT filesystem: the FAT has room for "
              + fatEntries
              + " entries but there are "
              + clusterCount
              + " clusters");
    }
    int signature = b.get(extended + 2) & 0xFF;
    boolean hasExtended = signature == 0x29 || signature == 0x28;
    volumeId = hasExtended ? b.getInt(extended + 3) : 0;
    String bootLabel = null;
    if (signature == 0x29) {
      byte[] raw = new byte[11];
      b.get(extended + 7, raw);
      bootLabel = trimLabel(new String(raw, OEM));
    }
    String rootLabel = findRootLabel();
    this.label = rootLabel != null ? rootLabel : bootLabel;
  }

  /**
   * Opens the FAT filesystem at {@code partitionOffset} of {@code ch}.
   *
   * @throws IOException if it cannot be read or is not FAT
   */
  public static FatReader open(FileChannel ch, long partitionOffset) throws IOException {
    Objects.requireNonNull(ch, "ch");
    ByteBuffer b = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
    try {
      readFully(ch, b, partitionOffset);
    } catch (EOFException e) {
      throw new IOException("not a FAT filesystem: fewer than 512 bytes at " + partitionOffset, e);
    }
    if ((b.get(510) & 0xFF) != 0x55 || (b.get(511) & 0xFF) != 0xAA) {
      throw new IOException("not a FAT filesystem: no 55 AA boot signature");
    }
    int jump = b.get(0) & 0xFF;
    if (jump != 0xEB && jump != 0xE9) {
      throw new IOException("not a FAT filesystem: no jump instruction at the boot sector start");
    }
    return new FatReader(ch, partitionOffset, b);
  }

  /** {@code FAT12}, {@code FAT16} or {@code FAT32}. */
  public String fatType() {
    return "FAT" + fatBits;
  }

  /** The volume serial; {@code UUID=1A2B-3C4D} is {@code 0x1A2B3C4D}. 0 if the BPB has none. */
  public int volumeId() {
    return volumeId;
  }

  /**
   * The label from the root directory's volume-label entry (what Windows and mlabel change), else
   * from the boot sector, without trailing blanks; null if neither has one ({@code NO NAME}).
   */
  public String label() {
    return label;
  }

  /** Every file and directory, depth first in directory order, with '/'-separated paths. */
  public List<FatEntry> list() throws IOException {
    List<FatEntry> out = new ArrayList<>();
    Set<Long> visited = new HashSet<>();
    visited.add(rootCluster);
    walk(rootCluster, "", 0, out, visited);
    return List.copyOf(out);
  }

  private void walk(long cluster, String prefix, int depth, List<FatEntry> out, Set<Long> visited)
      throws IOException {
    if (depth > MAX_DEPTH) {
      throw new IOException("directories nested deeper than " + MAX_DEPTH + " at " + prefix);
    }
    for (Entry e : readDirectory(cluster)) {
      String path = prefix.isEmpty() ? e.name : prefix + "/" + e.name;
      out.add(new FatEntry(path, e.directory ? 0 : e.size, e.mtime(), e.directory));
      if (e.directory) {
        if (e.cluster == 0 || !visited.add(e.cluster)) {
          throw new IOException("directory " + path + " loops back to a directory above it");
        }
        walk(e.cluster, path, depth + 1, out, visited);
      }
    }
  }

  /**
   * The content of a regular file, following its cluster chain; {@code file} is one {@link #list}
   * returned or any entry naming an existing file by path.
   */
  public InputStream open(FatEntry file) throws IOException {
    Objects.requireNonNull(file, "file");
    String[] parts = file.path().split("/", -1);
    long dir = rootCluster;
    Entry found = null;
    for (int i = 0; i < parts.length; i++) {
      found = null;
      for (Entry e : readDirectory(dir)) {
        if (e.name.equals(parts[i])) {
          found = e;
          break;
        }
      }
      if (found == null) {
        throw new IOException("no such file: " + file.path());
      }
      if (i < parts.length - 1) {
        if (!found.directory) {
          throw new IOException(
              "not a directory: " + String.join("/", List.of(parts).subList(0, i + 1)));
        }
        dir = found.cluster;
      }
    }
    if (found.directory) {
      throw new IOException("is a directory: " + file.path());
    }
    return new ChainStream(file.path(), found.cluster, found.size);
  }

  // ---- directories ----

  /** One short entry with its long name resolved. */
  private record Entry(
      String name, boolean directory, long cluster, long size, int date, int time) {
    java.nio.file.attribute.FileTime mtime() {
      return FatTime.decode(date, time);
    }
  }

  /** Cluster 0 means the root directory (FAT12/16's fixed area, FAT32's root cluster). */
  private byte[] directoryBytes(long cluster) throws IOException {
    if (cluster == 0 && fatBits != 32) {
      ByteBuffer b = ByteBuffer.allocate(rootDirBytes);
      readFully(channel, b, base + rootDirOffset);
      return b.array();
    }
    long start = cluster == 0 ? rootCluster : cluster;
    int clusterBytes = bytesPerSector * sectorsPerCluster;
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    ByteBuffer buffer = ByteBuffer.allocate(clusterBytes);
    long c = start;
    while (true) {
      requireDataCluster(c, "directory");
      if (out.size() + clusterBytes > MAX_DIRECTORY_BYTES) {
        throw new IOException(
            "directory at cluster " + start + " is over 2 MiB or its chain loops");
      }
      buffer.clear();
      readFully(channel, buffer, base + clusterOffset(c));
      out.write(buffer.array(), 0, clusterBytes);
      long next = fatEntry(c);
      if (isEndOfChain(next)) {
        break;
      }
      c = next;
    }
    return out.toByteArray();
  }

  private List<Entry> readDirectory(long cluster) throws IOException {
    byte[] d = directoryBytes(cluster);
    List<Entry> entries = new ArrayList<>();
    char[][] lfnParts = null;
    int lfnExpected = 0;
    int lfnChecksum = -1;
    for (int pos = 0; pos + ENTRY <= d.length; pos += ENTRY) {
      int first = d[pos] & 0xFF;
      if (first == 0x00) {
        break;
      }
      int attr = d[pos + 11] & 0xFF;
      if (first == 0xE5) {
        lfnParts = null;
        continue;
      }
      if (attr == 0x0F) {
        int ord = first & 0x1F;
        int sum = d[pos + 13] & 0xFF;
        if ((first & 0x40) != 0) {
          lfnParts = ord == 0 ? null : new char[ord][];
          lfnExpected = ord;
          lfnChecksum = sum;
        } else if (lfnParts == null || ord != lfnExpected || sum != lfnChecksum) {
          lfnParts = null;
          continue;
        }
        if (lfnParts != null) {
          char[] part = new char[FatNames.LFN_UNITS_PER_ENTRY];
          for (int k = 0; k < part.length; k++) {
            int at = pos + FatNames.lfnUnitOffset(k);
            part[k] = (char) ((d[at] & 0xFF) | (d[at + 1] & 0xFF) << 8);
          }
          lfnParts[ord - 1] = part;
          lfnExpected = ord - 1;
        }
        continue;
      }
      byte[] shortName = java.util.Arrays.copyOfRange(d, pos, pos + 11);
      String longName = null;
      if (lfnParts != null && lfnExpected == 0 && FatNames.checksum(shortName) == lfnChecksum) {
        longName = joinLfn(lfnParts);
      }
      lfnParts = null;
      if ((attr & 0x08) != 0 || first == '.') {
        continue; // volume label, "." and ".."
      }
      ByteBuffer b = ByteBuffer.wrap(d, pos, ENTRY).order(ByteOrder.LITTLE_ENDIAN);
      long high = fatBits == 32 ? (b.getShort(pos + 20) & 0xFFFFL) << 16 : 0;
      long firstCluster = high | (b.getShort(pos + 26) & 0xFFFFL);
      entries.add(
          new Entry(
              longName != null ? longName : shortDisplayName(shortName, d[pos + 12]),
              (attr & 0x10) != 0,
              firstCluster,
              b.getInt(pos + 28) & 0xFFFFFFFFL,
              b.getShort(pos + 24) & 0xFFFF,
              b.getShort(pos + 22) & 0xFFFF));
    }
    return entries;
  }

  private static String joinLfn(char[][] parts) {
    StringBuilder name = new StringBuilder();
    for (char[] part : parts) {
      for (char c : part) {
        if (c == 0x0000) {
          return name.toString();
        }
        name.append(c);
      }
    }
    return name.toString();
  }

  /** The 8.3 name as "NAME.EXT", lower-cased per part where the NT flags (byte 12) say so. */
  private static String shortDisplayName(byte[] raw, byte ntFlags) {
    byte[] bytes = raw.clone();
    if ((bytes[0] & 0xFF) == 0x05) {
      bytes[0] = (byte) 0xE5; // 0xE5 is a real first character stored as 0x05
    }
    String base = new String(bytes, 0, 8, OEM).stripTrailing();
    String ext = new String(bytes, 8, 3, OEM).stripTrailing();
    if ((ntFlags & 0x08) != 0) {
      base = base.toLowerCase(Locale.ROOT);
    }
    if ((ntFlags & 0x10) != 0) {
      ext = ext.toLowerCase(Locale.ROOT);
    }
    return ext.isEmpty() ? base : base + "." + ext;
  }

  private String findRootLabel() throws IOException {
    byte[] d = directoryBytes(0);
    for (int pos = 0; pos + ENTRY <= d.length; pos += ENTRY) {
      int first = d[pos] & 0xFF;
      if (first == 0x00) {
        break;
      }
      int attr = d[pos + 11] & 0xFF;
      if (first != 0xE5 && attr != 0x0F && (attr & 0x08) != 0) {
        return trimLabel(new String(d, pos, 11, OEM));
      }
    }
    return null;
  }

  private static String trimLabel(String raw) {
    String label = raw.stripTrailing();
    return label.isEmpty() || label.equals(NO_NAME) ? null : label;
  }

  // ---- clusters and the FAT ----

  private long clusterOffset(long cluster) {
    return firstDataByte + (cluster - 2) * sectorsPerCluster * bytesPerSector;
  }

  private void requireDataCluster(long cluster, String what) throws IOException {
    if (cluster < 2 || cluster >= clusterCount + 2) {
      throw new IOException(
          what + " cluster chain reaches cluster " + cluster + ", outside the volume");
    }
  }

  private boolean isEndOfChain(long entry) throws IOException {
    long eoc = fatBits == 12 ? 0xFF8 : fatBits == 16 ? 0xFFF8 : 0x0FFFFFF8;
    if (entry >= eoc) {
      return true;
    }
    if (entry == eoc - 1) {
      throw new IOException("cluster chain runs into a cluster marked bad");
    }
    if (entry < 2) {
      throw new IOException("cluster chain runs into a free cluster");
    }
    return false;
  }

  /** The FAT entry of {@code cluster} in the first FAT, through a 64 KiB read window. */
  private long fatEntry(long cluster) throws IOException {
    long offset = fatBits == 12 ? cluster * 3 / 2 : cluster * fatBits / 8;
    int width = fatBits == 32 ? 4 : 2;
    if (windowStart < 0 || offset < windowStart || offset + width > windowStart + FAT_WINDOW) {
      windowStart = offset - offset % 512;
      // may run past the FAT into the data area, or stop early at the end of a tiny image
      readUpTo(channel, ByteBuffer.wrap(window), base + fatOffset + windowStart);
    }
    int i = (int) (offset - windowStart);
    long value = (window[i] & 0xFF) | (window[i + 1] & 0xFF) << 8;
    if (fatBits == 12) {
      return (cluster & 1) == 0 ? value & 0xFFF : value >> 4;
    } else if (fatBits == 16) {
      return value;
    }
    value |= (long) (window[i + 2] & 0xFF) << 16 | (long) (window[i + 3] & 0xFF) << 24;
    return value & 0x0FFFFFFFL;
  }

  /** A file's bytes: reads runs of consecutive clusters at once, stops at the size. */
  private final class ChainStream extends InputStream {
    private final String path;
    private final long size;
    private final int clusterBytes;
    private final ByteBuffer buffer;
    private long cluster;
    private long remaining;

    ChainStream(String path, long firstCluster, long size) {
      this.path = path;
      this.size = size;
      this.cluster = firstCluster;
      this.remaining = size;
      this.clusterBytes = bytesPerSector * sectorsPerCluster;
      long clusters =
          Math.min(
              Math.max(1, READ_CHUNK / clusterBytes), (size + clusterBytes - 1) / clusterBytes);
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
        requireDataCluster(c, path);
        count++;
        if (count * clusterBytes >= remaining) {
          break; // the file's last cluster: whatever follows in the FAT does not matter
        }
        long entry = fatEntry(c);
        if (isEndOfChain(entry)) {
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
      readFully(channel, buffer, base + clusterOffset(runStart));
      buffer.flip();
      remaining -= bytes;
      cluster = next;
    }
  }

  // ---- I/O helpers ----

  private static void readFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
    long pos = position;
    while (b.hasRemaining()) {
      int n = ch.read(b, pos);
      if (n < 0) {
        throw new EOFException("unexpected end of device or image at offset " + pos);
      }
      pos += n;
    }
  }

  /** Reads as much as is there (the FAT window may run past the end of a tiny image). */
  private static void readUpTo(FileChannel ch, ByteBuffer b, long position) throws IOException {
    long pos = position;
    while (b.hasRemaining()) {
      int n = ch.read(b, pos);
      if (n < 0) {
        break;
      }
      pos += n;
    }
  }

  private static boolean isPowerOfTwo(int v) {
    return v > 0 && (v & (v - 1)) == 0;
  }

  private static Charset oemCharset() {
    try {
      return Charset.forName("IBM850");
    } catch (UnsupportedCharsetException e) {
      return StandardCharsets.ISO_8859_1;
    }
  }
}
