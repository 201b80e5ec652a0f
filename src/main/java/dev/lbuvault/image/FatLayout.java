package dev.lbuvault.image;

import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A planned FAT32 filesystem: every structure and every file's place decided, to the byte, before
 * anything is written, so that a card can be checked for fit and its size reported up front and so
 * that {@link FatWriter} can stream files in any order. Geometry is mkfs.fat's (see {@link
 * FatGeometry}); the root directory is cluster 2, the other directories follow it contiguously
 * (depth first, in order of first appearance), then the files' data contiguously in the order of
 * {@link FatSpec#files()}; every chain is one contiguous run and zero-length files have none.
 * Directory entries keep the order of first appearance too. Immutable.
 */
public final class FatLayout {
  /**
   * Longest path (UTF-16 units, '/' separators included) we accept. FAT itself has no limit, but
   * Windows' MAX_PATH of 260 includes the drive prefix {@code X:\} and the terminating NUL, which
   * leaves 256 for the path: a card within it can be read and copied anywhere.
   */
  public static final int MAX_PATH_LENGTH = 256;

  /** FAT32 directories hold at most 65536 32-byte entries (2 MiB), LFN entries included. */
  static final int MAX_DIRECTORY_ENTRIES = 65536;

  static final long MAX_FILE_SIZE = 0xFFFFFFFFL;
  static final int ENTRY_BYTES = 32;

  private final FatGeometry geometry;
  private final int volumeId;
  private final String label;
  private final Node root;
  private final List<Node> directories;
  private final List<FatFile> files;
  private final Map<String, Node> fileNodes;
  private final long usedClusters;
  private final long directoryClusters;
  private final long dataBytes;
  private final long fileClusters;
  private final int[] chainEnds;
  private final FileTime newest;

  private FatLayout(FatSpec spec, FatGeometry geometry, Tree tree) {
    this.geometry = geometry;
    this.volumeId = spec.volumeId();
    this.label = spec.label();
    this.root = tree.root;
    this.directories = List.copyOf(tree.directories);
    this.files = spec.files();
    this.fileNodes = Collections.unmodifiableMap(tree.fileNodes);
    this.newest = FileTime.fromMillis(root.mtimeSeconds * 1000);
    int clusterBytes = geometry.bytesPerCluster();
    long next = 2;
    List<Integer> ends = new ArrayList<>();
    for (Node dir : directories) {
      dir.firstCluster = next;
      dir.clusters = directoryClusters(dir, clusterBytes);
      next += dir.clusters;
      ends.add((int) (next - 1));
    }
    this.directoryClusters = next - 2;
    long bytes = 0;
    long clustersOfFiles = 0;
    for (FatFile file : files) {
      Node node = fileNodes.get(file.path());
      node.clusters = FatGeometry.ceilDiv(file.size(), clusterBytes);
      node.firstCluster = node.clusters == 0 ? 0 : next;
      if (node.clusters > 0) {
        next += node.clusters;
        ends.add((int) (next - 1));
      }
      bytes += file.size();
      clustersOfFiles += node.clusters;
    }
    this.fileClusters = clustersOfFiles;
    this.usedClusters = next - 2;
    this.dataBytes = bytes;
    this.chainEnds = ends.stream().mapToInt(Integer::intValue).toArray();
  }

  /**
   * Plans {@code spec}: checks every name and path against FAT's rules, checks that the partition
   * is big enough for FAT32 and for the files, and places everything.
   *
   * @throws FatLayoutException naming the path and the rule, or the partition's shortfall
   */
  public static FatLayout plan(FatSpec spec) throws FatLayoutException {
    Objects.requireNonNull(spec, "spec");
    Tree tree = Tree.build(spec.files(), spec.directories(), !spec.label().isEmpty());
    long sectors = spec.partitionBytes() / FatGeometry.SECTOR_BYTES;
    if (sectors > FatGeometry.MAX_SECTORS) {
      throw new FatLayoutException(
          null,
          "a partition of "
              + spec.partitionBytes()
              + " bytes is beyond the 2 TiB that FAT32's 32-bit sector count can address");
    }
    FatGeometry geometry = FatGeometry.forPartition(sectors);
    if (geometry.clusterCount() < FatGeometry.MIN_CLUSTERS) {
      throw new FatLayoutException(
          null,
          "a partition of "
              + spec.partitionBytes()
              + " bytes is too small for FAT32: it has "
              + Math.max(0, geometry.clusterCount())
              + " clusters of "
              + geometry.bytesPerCluster()
              + " bytes and FAT32 needs at least "
              + FatGeometry.MIN_CLUSTERS
              + minimumHint(tree));
    }
    long needed = tree.neededClusters(geometry.bytesPerCluster());
    if (needed > geometry.clusterCount()) {
      throw new FatLayoutException(
          null,
          "a partition of "
              + spec.partitionBytes()
              + " bytes is too small for these files: they need "
              + needed
              + " clusters of "
              + geometry.bytesPerCluster()
              + " bytes and it has "
              + geometry.clusterCount()
              + minimumHint(tree));
    }
    return new FatLayout(spec, geometry, tree);
  }

  private static String minimumHint(Tree tree) {
    try {
      return "; the smallest partition that holds them is " + minimumSectors(tree) * 512 + " bytes";
    } catch (FatLayoutException e) {
      return "; " + e.getMessage();
    }
  }

  /**
   * The smallest FAT32 partition, in bytes (a whole number of sectors), that {@link #plan} accepts
   * for {@code files} with a label. FAT32 needs at least 65525 clusters, so this is never below
   * about 33 MiB (512-byte clusters up to 260 MiB); above that, mkfs.fat's cluster size for the
   * size decides how much each file wastes. Careful: a bigger partition is not always enough, since
   * just above 260 MiB clusters grow from 512 B to 4 KiB; plan the size you will really use.
   *
   * @throws FatLayoutException if a name breaks a FAT rule or nothing up to 2 TiB holds the files
   */
  public static long minimumPartitionBytes(List<FatFile> files) throws FatLayoutException {
    return minimumPartitionBytes(files, List.of());
  }

  /** As {@link #minimumPartitionBytes(List)}, for a card that also holds {@code directories}. */
  public static long minimumPartitionBytes(List<FatFile> files, List<String> directories)
      throws FatLayoutException {
    return minimumSectors(Tree.build(List.copyOf(files), List.copyOf(directories), true))
        * FatGeometry.SECTOR_BYTES;
  }

  /** mkfs.fat's cluster-size bands: sectors per cluster, first and past-the-end sector count. */
  private static final long[][] BANDS = {
    {1, 1, 261L * 2048},
    {8, 261L * 2048, 8193L * 2048},
    {16, 8193L * 2048, 16385L * 2048},
    {32, 16385L * 2048, 32769L * 2048},
    {64, 32769L * 2048, FatGeometry.MAX_SECTORS + 1},
  };

  private static long minimumSectors(Tree tree) throws FatLayoutException {
    for (long[] band : BANDS) {
      int spc = (int) band[0];
      long need =
          Math.max(
              FatGeometry.MIN_CLUSTERS, tree.neededClusters(spc * (long) FatGeometry.SECTOR_BYTES));
      // A true lower bound: the FAT must have an entry for every cluster (plus the two reserved).
      long lower =
          FatGeometry.align(FatGeometry.DEFAULT_RESERVED, spc)
              + FatGeometry.FAT_COUNT * FatGeometry.ceilDiv(need + 2, 128)
              + need * spc;
      long start = Math.max(band[1], lower);
      // The cluster count is not quite monotonic in the size (the FAT grows a cluster at a time),
      // so walk up sector by sector from the bound; the answer is within a few clusters of it.
      for (long s = start; s < band[2] && s < start + 16L * spc + 4096; s++) {
        if (FatGeometry.of(s, spc).clusterCount() >= need) {
          return s;
        }
      }
    }
    throw new FatLayoutException(
        null, "these files need more than a 2 TiB FAT32 partition (the MBR's limit) holds");
  }

  public int bytesPerCluster() {
    return geometry.bytesPerCluster();
  }

  public int sectorsPerCluster() {
    return geometry.sectorsPerCluster();
  }

  /** 32, as mkfs.fat uses, rounded up to a whole cluster (64 with the 32 KiB clusters > 32 GiB). */
  public int reservedSectors() {
    return geometry.reservedSectors();
  }

  /** Sectors of one FAT (there are two). */
  public long fatSectors() {
    return geometry.fatSectors();
  }

  /** Data clusters in the filesystem (numbered 2 to clusterCount + 1). */
  public long clusterCount() {
    return geometry.clusterCount();
  }

  /**
   * Bytes {@link FatWriter} writes: the reserved sectors, both FATs and all directory clusters in
   * full, and each file's clusters in full (its bytes, then zeroes to the end of its last cluster);
   * not the free clusters.
   */
  public long usedBytes() {
    return structureBytes() + fileClusters * geometry.bytesPerCluster();
  }

  /** The sum of the file sizes. */
  public long dataBytes() {
    return dataBytes;
  }

  /**
   * Byte offset from the partition start of the file's first cluster, or -1 for an empty file,
   * which has no cluster.
   *
   * @throws IllegalArgumentException if the layout has no such file
   */
  public long fileOffset(String path) {
    Node node = fileNode(path);
    return node.firstCluster == 0 ? -1 : geometry.clusterOffset(node.firstCluster);
  }

  /** The files in the order their data is laid out (the order of {@link FatSpec#files()}). */
  public List<FatFile> files() {
    return files;
  }

  public int volumeId() {
    return volumeId;
  }

  /** The label as stored (upper case), or empty for none. */
  public String label() {
    return label;
  }

  public long partitionBytes() {
    return geometry.totalSectors() * FatGeometry.SECTOR_BYTES;
  }

  // ---- package-private: what FatWriter needs ----

  FatGeometry geometry() {
    return geometry;
  }

  long usedClusters() {
    return usedClusters;
  }

  /** Bytes from the partition start to the end of the last directory cluster. */
  long structureBytes() {
    return geometry.clusterOffset(2 + directoryClusters);
  }

  /** Last cluster of every chain, ascending; chains cover clusters 2 to usedClusters + 1. */
  int[] chainEnds() {
    return chainEnds.clone();
  }

  List<Node> directories() {
    return directories;
  }

  Node fileNode(String path) {
    Node node = fileNodes.get(path);
    if (node == null) {
      throw new IllegalArgumentException("no file \"" + path + "\" in this layout");
    }
    return node;
  }

  /** The directory's clusters, entries then zeroes (an entry starting with 0 ends a directory). */
  byte[] directoryBytes(Node dir) {
    byte[] out = new byte[Math.toIntExact(dir.clusters * geometry.bytesPerCluster())];
    int pos = 0;
    if (dir == root) {
      if (!label.isEmpty()) {
        byte[] name = new byte[FatNames.SHORT_NAME_BYTES];
        java.util.Arrays.fill(name, (byte) ' ');
        byte[] text = label.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(text, 0, name, 0, text.length);
        putShortEntry(out, pos, name, ATTR_VOLUME, 0, 0, newest);
        pos += ENTRY_BYTES;
      }
    } else {
      FileTime time = FileTime.fromMillis(dir.mtimeSeconds * 1000);
      putShortEntry(out, pos, dotName("."), ATTR_DIRECTORY, dir.firstCluster, 0, time);
      // ".." of a directory in the root points to cluster 0, not to the root's cluster 2
      long parent = dir.parent == root ? 0 : dir.parent.firstCluster;
      putShortEntry(out, pos + ENTRY_BYTES, dotName(".."), ATTR_DIRECTORY, parent, 0, time);
      pos += 2 * ENTRY_BYTES;
    }
    for (Node child : dir.children) {
      if (child.lfn) {
        pos = FatNames.putLfnEntries(out, pos, child.name, child.shortName);
      }
      boolean isDir = child.file == null;
      putShortEntry(
          out,
          pos,
          child.shortName,
          isDir ? ATTR_DIRECTORY : ATTR_ARCHIVE,
          child.firstCluster,
          isDir ? 0 : child.file.size(),
          FileTime.fromMillis(child.mtimeSeconds * 1000));
      pos += ENTRY_BYTES;
    }
    return out;
  }

  static final int ATTR_VOLUME = 0x08;
  static final int ATTR_DIRECTORY = 0x10;
  static final int ATTR_ARCHIVE = 0x20;

  private static byte[] dotName(String dots) {
    byte[] name = new byte[FatNames.SHORT_NAME_BYTES];
    java.util.Arrays.fill(name, (byte) ' ');
    for (int i = 0; i < dots.length(); i++) {
      name[i] = '.';
    }
    return name;
  }

  private static void putShortEntry(
      byte[] out, int pos, byte[] name, int attr, long cluster, long size, FileTime mtime) {
    System.arraycopy(name, 0, out, pos, FatNames.SHORT_NAME_BYTES);
    out[pos + 11] = (byte) attr;
    int date = FatTime.date(mtime);
    int time = FatTime.time(mtime);
    // creation and access times too: readers that show them should not show 1980
    putShort(out, pos + 14, time);
    putShort(out, pos + 16, date);
    putShort(out, pos + 18, date);
    putShort(out, pos + 20, (int) (cluster >>> 16));
    putShort(out, pos + 22, time);
    putShort(out, pos + 24, date);
    putShort(out, pos + 26, (int) cluster);
    putInt(out, pos + 28, size);
  }

  private static void putShort(byte[] out, int pos, int value) {
    out[pos] = (byte) value;
    out[pos + 1] = (byte) (value >>> 8);
  }

  private static void putInt(byte[] out, int pos, long value) {
    putShort(out, pos, (int) value);
    putShort(out, pos + 2, (int) (value >>> 16));
  }

  private static long directoryClusters(Node dir, long clusterBytes) {
    return Math.max(1, FatGeometry.ceilDiv((long) dir.entries * ENTRY_BYTES, clusterBytes));
  }

  /**
   * A file or directory while planning. Fields are set once, by {@link Tree#build} and the layout
   * constructor, and never change after {@link #plan} returns.
   */
  static final class Node {
    final Node parent;
    final String name;
    final String path;
    final FatFile file;
    final List<Node> children = new ArrayList<>();
    final Map<String, Node> byCaseKey = new HashMap<>();
    byte[] shortName;
    boolean lfn;
    int entries;
    long firstCluster;
    long clusters;
    long mtimeSeconds;

    Node(Node parent, String name, String path, FatFile file) {
      this.parent = parent;
      this.name = name;
      this.path = path;
      this.file = file;
    }
  }

  /** The directory tree of a file list, with names checked and short names assigned. */
  private static final class Tree {
    final Node root = new Node(null, "", "", null);
    final List<Node> directories = new ArrayList<>();
    final Map<String, Node> fileNodes = new LinkedHashMap<>();

    static Tree build(List<FatFile> files, List<String> directories, boolean label)
        throws FatLayoutException {
      Tree tree = new Tree();
      for (FatFile file : files) {
        tree.add(file);
      }
      for (String dir : directories) {
        tree.addDirectory(dir);
      }
      tree.directories.add(tree.root);
      tree.finish(tree.root, label);
      return tree;
    }

    private void add(FatFile file) throws FatLayoutException {
      String path = file.path();
      if (path.length() > MAX_PATH_LENGTH) {
        throw new FatLayoutException(
            path,
            "path is "
                + path.length()
                + " characters long; at most "
                + MAX_PATH_LENGTH
                + " are allowed (Windows' 260-character MAX_PATH less \"X:\\\" and the NUL)");
      }
      if (file.size() > MAX_FILE_SIZE) {
        throw new FatLayoutException(
            path, "file is " + file.size() + " bytes; FAT32 files are at most 4 GiB - 1 bytes");
      }
      String[] parts = path.split("/", -1);
      Node dir = root;
      for (int i = 0; i < parts.length; i++) {
        String name = parts[i];
        String violation = FatNames.violation(name);
        if (violation != null) {
          throw new FatLayoutException(path, violation);
        }
        boolean last = i == parts.length - 1;
        Node existing = dir.byCaseKey.get(FatNames.caseKey(name));
        if (existing != null && !existing.name.equals(name)) {
          throw new FatLayoutException(
              path,
              "\""
                  + name
                  + "\" differs only in case from \""
                  + existing.path
                  + "\" in the same directory, and FAT ignores case");
        }
        if (existing != null && last) {
          throw new FatLayoutException(
              path,
              existing.file == null
                  ? "is also a directory (other paths are below it)"
                  : "is listed twice");
        }
        if (existing != null && existing.file != null) {
          throw new FatLayoutException(
              path, "\"" + existing.path + "\" is a file, so it cannot also be a directory");
        }
        if (existing == null) {
          String childPath = String.join("/", java.util.Arrays.asList(parts).subList(0, i + 1));
          existing = new Node(dir, name, childPath, last ? file : null);
          dir.children.add(existing);
          dir.byCaseKey.put(FatNames.caseKey(name), existing);
          if (last) {
            existing.mtimeSeconds = FatTime.clampedSeconds(file.mtime());
            fileNodes.put(path, existing);
          }
        }
        dir = existing;
      }
    }

    /** Adds a directory (and its parents) that no file path implies, e.g. an empty one. */
    private void addDirectory(String path) throws FatLayoutException {
      if (path.length() > MAX_PATH_LENGTH) {
        throw new FatLayoutException(
            path,
            "path is "
                + path.length()
                + " characters long; at most "
                + MAX_PATH_LENGTH
                + " are allowed");
      }
      String[] parts = path.split("/", -1);
      Node dir = root;
      for (int i = 0; i < parts.length; i++) {
        String name = parts[i];
        String violation = FatNames.violation(name);
        if (violation != null) {
          throw new FatLayoutException(path, violation);
        }
        Node existing = dir.byCaseKey.get(FatNames.caseKey(name));
        if (existing != null && !existing.name.equals(name)) {
          throw new FatLayoutException(
              path,
              "\""
                  + name
                  + "\" differs only in case from \""
                  + existing.path
                  + "\" in the same directory, and FAT ignores case");
        }
        if (existing != null && existing.file != null) {
          throw new FatLayoutException(
              path, "\"" + existing.path + "\" is a file, so it cannot also be a directory");
        }
        if (existing == null) {
          String childPath = String.join("/", java.util.Arrays.asList(parts).subList(0, i + 1));
          existing = new Node(dir, name, childPath, null);
          dir.children.add(existing);
          dir.byCaseKey.put(FatNames.caseKey(name), existing);
        }
        dir = existing;
      }
    }

    /** Short names, entry counts and times, depth first; collects directories in that order. */
    private void finish(Node dir, boolean label) throws FatLayoutException {
      List<String> names = new ArrayList<>(dir.children.size());
      for (Node child : dir.children) {
        names.add(child.name);
      }
      List<byte[]> shortNames = FatNames.assignShortNames(names);
      long entries = dir == root ? (label ? 1 : 0) : 2;
      long newest = FatTime.clampedSeconds(FatTime.EPOCH);
      for (int i = 0; i < dir.children.size(); i++) {
        Node child = dir.children.get(i);
        child.shortName = shortNames.get(i);
        child.lfn = FatNames.needsLfn(child.name, FatNames.basis(child.name));
        entries += 1 + (child.lfn ? FatNames.lfnEntries(child.name) : 0);
        if (child.file == null) {
          directories.add(child);
          finish(child, false);
        }
        newest = Math.max(newest, child.mtimeSeconds);
      }
      if (entries > MAX_DIRECTORY_ENTRIES) {
        throw new FatLayoutException(
            dir == root ? "/" : dir.path,
            "directory needs "
                + entries
                + " 32-byte entries (long-name entries included); FAT allows "
                + MAX_DIRECTORY_ENTRIES);
      }
      dir.entries = (int) entries;
      dir.mtimeSeconds = newest;
    }

    long neededClusters(long clusterBytes) {
      long clusters = 0;
      for (Node dir : directories) {
        clusters += directoryClusters(dir, clusterBytes);
      }
      for (Node node : fileNodes.values()) {
        clusters += FatGeometry.ceilDiv(node.file.size(), clusterBytes);
      }
      return clusters;
    }
  }
}
