package dev.lbuvault.image;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Reads a FAT12, FAT16 or FAT32 filesystem from a channel at an offset, without mounting it: for
 * {@code lbuvault inspect} of a card or image, and as a second judge of what {@link FatWriter}
 * writes. The boot sector is parsed by {@link BootSector}, the FAT read by {@link FatTable},
 * directories by {@link DirectoryDecoder} and files by {@link ChainStream}. Times are read as UTC,
 * as {@link FatWriter} writes them. A damaged filesystem gives an {@link IOException} naming what
 * is wrong (a chain that loops or leaves the volume, a directory too big), never an endless loop.
 * Not thread-safe.
 */
public final class FatReader {
  private static final int MAX_DEPTH = 256;
  private static final int MAX_DIRECTORY_BYTES = 65536 * DirEntryFields.BYTES;
  private static final String NO_NAME = "NO NAME";

  private final FileChannel channel;
  private final long base;
  private final BootSector boot;
  private final FatTable fat;
  private final String label;

  private FatReader(FileChannel channel, long base, BootSector boot) throws IOException {
    this.channel = channel;
    this.base = base;
    this.boot = boot;
    this.fat = new FatTable(channel, base, boot);
    if (boot.fatEntryCapacity() < boot.clusterCount() + 2) {
      throw new IOException(
          "not a valid FAT filesystem: the FAT has room for "
              + boot.fatEntryCapacity()
              + " entries but there are "
              + boot.clusterCount()
              + " clusters");
    }
    String rootLabel = findRootLabel();
    this.label = rootLabel != null ? rootLabel : bootLabel(boot);
  }

  /**
   * Opens the FAT filesystem at {@code partitionOffset} of {@code ch}.
   *
   * @throws IOException if it cannot be read or is not FAT
   */
  public static FatReader open(FileChannel ch, long partitionOffset) throws IOException {
    Objects.requireNonNull(ch, "ch");
    ByteBuffer b = ByteBuffer.allocate(BootSector.BYTES);
    try {
      FatIo.readFully(ch, b, partitionOffset);
    } catch (EOFException e) {
      throw new IOException("not a FAT filesystem: fewer than 512 bytes at " + partitionOffset, e);
    }
    return new FatReader(ch, partitionOffset, BootSector.parse(b.flip()));
  }

  /** {@code FAT12}, {@code FAT16} or {@code FAT32}. */
  public String fatType() {
    return "FAT" + boot.fatBits();
  }

  /** The volume serial; {@code UUID=1A2B-3C4D} is {@code 0x1A2B3C4D}. 0 if the BPB has none. */
  public int volumeId() {
    return boot.volumeId();
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
    visited.add(boot.rootCluster());
    walk(boot.rootCluster(), "", 0, out, visited);
    return List.copyOf(out);
  }

  /**
   * Every damage {@code fsck.fat -n} would repair that {@link FatChecker} recognises, each as one
   * line; empty for a consistent filesystem. Work and memory are bounded by the cluster count.
   */
  public List<String> check() throws IOException {
    return new FatChecker(channel, base, boot, fat).check();
  }

  private void walk(long cluster, String prefix, int depth, List<FatEntry> out, Set<Long> visited)
      throws IOException {
    if (depth > MAX_DEPTH) {
      throw new IOException("directories nested deeper than " + MAX_DEPTH + " at " + prefix);
    }
    for (DirRecord e : readDirectory(cluster)) {
      String path = prefix.isEmpty() ? e.name() : prefix + "/" + e.name();
      out.add(new FatEntry(path, e.directory() ? 0 : e.size(), e.mtime(), e.directory()));
      if (e.directory()) {
        if (e.cluster() == 0 || !visited.add(e.cluster())) {
          throw new IOException("directory " + path + " loops back to a directory above it");
        }
        walk(e.cluster(), path, depth + 1, out, visited);
      }
    }
  }

  /**
   * The content of a regular file, following its cluster chain; {@code file} is one {@link #list}
   * returned or any entry naming an existing file by path.
   *
   * @throws NoSuchFileException if no such path exists
   */
  public InputStream open(FatEntry file) throws IOException {
    Objects.requireNonNull(file, "file");
    DirRecord found = lookUp(file.path());
    if (found.directory()) {
      throw new IOException("is a directory: " + file.path());
    }
    return new ChainStream(channel, base, boot, fat, file.path(), found.cluster(), found.size());
  }

  /** The entry at {@code path}, following directories from the root. */
  private DirRecord lookUp(String path) throws IOException {
    String[] parts = path.split("/", -1);
    long dir = boot.rootCluster();
    DirRecord found = null;
    for (int i = 0; i < parts.length; i++) {
      found = child(dir, parts[i]);
      if (found == null) {
        throw new NoSuchFileException(path, null, "no such file on the FAT filesystem");
      }
      if (i < parts.length - 1) {
        if (!found.directory()) {
          throw new NotDirectoryException(String.join("/", List.of(parts).subList(0, i + 1)));
        }
        dir = found.cluster();
      }
    }
    return found;
  }

  private DirRecord child(long dir, String name) throws IOException {
    for (DirRecord e : readDirectory(dir)) {
      if (e.name().equals(name)) {
        return e;
      }
    }
    return null;
  }

  private List<DirRecord> readDirectory(long cluster) throws IOException {
    List<DirRecord> listed = new ArrayList<>();
    for (DirRecord r : DirectoryDecoder.decode(directoryBytes(cluster), boot.fatBits() == 32)) {
      if (r.listed()) {
        listed.add(r);
      }
    }
    return listed;
  }

  /** Cluster 0 means the root directory (FAT12/16's fixed area, FAT32's root cluster). */
  private byte[] directoryBytes(long cluster) throws IOException {
    if (cluster == 0 && boot.fatBits() != 32) {
      ByteBuffer b = ByteBuffer.allocate(boot.rootDirBytes());
      FatIo.readFully(channel, b, base + boot.rootDirOffset());
      return b.array();
    }
    long start = cluster == 0 ? boot.rootCluster() : cluster;
    int clusterBytes = (int) boot.clusterBytes();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer buffer = ByteBuffer.allocate(clusterBytes);
    for (long c = start; c >= 0; c = fat.next(c)) {
      fat.requireDataCluster(c, "directory");
      if (out.size() + clusterBytes > MAX_DIRECTORY_BYTES) {
        throw new IOException(
            "directory at cluster " + start + " is over 2 MiB or its chain loops");
      }
      buffer.clear();
      FatIo.readFully(channel, buffer, base + boot.clusterOffset(c));
      out.write(buffer.array(), 0, clusterBytes);
    }
    return out.toByteArray();
  }

  private String findRootLabel() throws IOException {
    for (DirRecord r : DirectoryDecoder.decode(directoryBytes(0), boot.fatBits() == 32)) {
      if (r.volumeLabel()) {
        byte[] raw = r.rawName().getBytes(StandardCharsets.ISO_8859_1);
        return trimLabel(new String(raw, DirectoryDecoder.OEM));
      }
    }
    return null;
  }

  private static String bootLabel(BootSector boot) {
    if (boot.labelField() == null) {
      return null;
    }
    byte[] raw = boot.labelField().getBytes(StandardCharsets.ISO_8859_1);
    return trimLabel(new String(raw, DirectoryDecoder.OEM));
  }

  private static String trimLabel(String raw) {
    String label = raw.stripTrailing();
    return label.isEmpty() || label.equals(NO_NAME) ? null : label;
  }
}
