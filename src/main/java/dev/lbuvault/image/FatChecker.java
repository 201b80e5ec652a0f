package dev.lbuvault.image;

import static dev.lbuvault.image.DirEntryFields.ATTRIBUTES;
import static dev.lbuvault.image.DirEntryFields.ATTR_DIRECTORY;
import static dev.lbuvault.image.DirEntryFields.ATTR_LFN;
import static dev.lbuvault.image.DirEntryFields.ATTR_VOLUME;
import static dev.lbuvault.image.DirEntryFields.BYTES;
import static dev.lbuvault.image.DirEntryFields.CLUSTER_HIGH;
import static dev.lbuvault.image.DirEntryFields.CLUSTER_LOW;
import static dev.lbuvault.image.DirEntryFields.DELETED;
import static dev.lbuvault.image.DirEntryFields.END;
import static dev.lbuvault.image.DirEntryFields.KANJI_E5;
import static dev.lbuvault.image.DirEntryFields.LFN_LAST;
import static dev.lbuvault.image.DirEntryFields.LFN_ORDINAL_MASK;
import static dev.lbuvault.image.DirEntryFields.NAME_LENGTH;
import static dev.lbuvault.image.DirEntryFields.NT_FLAGS;
import static dev.lbuvault.image.DirEntryFields.SIZE;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds what {@code fsck.fat -n} (dosfstools 4.2) would repair, without repairing anything: dirty
 * flags, FAT copies that differ, FAT entries out of range, cluster chains that loop, cross-link,
 * leave the volume or run into free or bad clusters, file sizes that disagree with their chains,
 * directories whose start or {@code .}/{@code ..} entries are wrong, bad or duplicate 8.3 names,
 * orphaned long-name parts, clusters in use that no file owns, a wrong FSInfo sector, and labels
 * that disagree between the boot sector and the root directory. Work is bounded: every cluster is
 * claimed at most once (one bit per cluster), so a chain that loops is found in at most the cluster
 * count's steps, and a directory is read one cluster at a time.
 */
final class FatChecker {
  private static final int MAX_PROBLEMS = 20;
  private static final long MAX_CLUSTERS = 0x0FFFFFF5L;
  private static final int MAX_DEPTH = 256;
  private static final int MAX_DIRECTORY_ENTRIES = 65536;
  private static final String NO_NAME = "NO NAME    ";
  private static final String BAD_CHARACTERS = "*?<>|\"\\/:.";
  private static final int NO_83_NAME = 0x20;
  private static final int LFN_RESERVED = 12;
  private static final int LFN_START = 26;

  private final FileChannel channel;
  private final long base;
  private final BootSector boot;
  private final FatTable fat;
  private final BitSet owned;
  private final List<String> problems = new ArrayList<>();
  private int problemCount;

  FatChecker(FileChannel channel, long base, BootSector boot, FatTable fat) {
    this.channel = channel;
    this.base = base;
    this.boot = boot;
    this.fat = fat;
    this.owned = new BitSet((int) Math.min(Integer.MAX_VALUE, boot.clusterCount() + 2));
  }

  /** Every damage found, one line each (at most 20 and a count of the rest). */
  List<String> check() throws IOException {
    if (!volumeFitsDevice()) {
      return List.copyOf(problems);
    }
    checkDirtyFlags();
    checkFatCopiesAgree();
    checkEntriesInRange();
    String rootLabel = checkTree();
    checkLostClusters();
    checkFsInfo();
    checkLabels(rootLabel);
    if (problemCount > MAX_PROBLEMS) {
      problems.add("... and " + (problemCount - MAX_PROBLEMS) + " more problems");
    }
    return List.copyOf(problems);
  }

  private void problem(String message) {
    problemCount++;
    if (problems.size() < MAX_PROBLEMS) {
      problems.add(message);
    }
  }

  // ---- boot sector and FAT ----

  /**
   * The volume's last byte must be there (fsck.fat reads its last sector too), and the cluster
   * count within FAT32's limit: this bounds the one-bit-per-cluster map by the real device size.
   */
  private boolean volumeFitsDevice() throws IOException {
    long bytes = boot.totalSectors() * boot.bytesPerSector();
    if (boot.clusterCount() > MAX_CLUSTERS) {
      problem("the boot sector claims " + boot.clusterCount() + " clusters, more than FAT allows");
      return false;
    }
    if (channel.read(ByteBuffer.allocate(1), base + bytes - 1) < 1) {
      problem("the boot sector claims " + bytes + " bytes, but the image or device ends before");
      return false;
    }
    return true;
  }

  private void checkDirtyFlags() throws IOException {
    if (boot.dirty()) {
      problem(
          "the boot sector's dirty flag is set: the volume is mounted or was not cleanly unmounted");
    }
    long cleanBit = boot.fatBits() == 32 ? 0x08000000L : boot.fatBits() == 16 ? 0x8000L : 0;
    if (cleanBit != 0 && (fat.entry(1) & cleanBit) == 0) {
      problem(
          "FAT entry 1 lacks the clean-shutdown bit: the volume is mounted or was not cleanly"
              + " unmounted");
    }
  }

  /** The first two FATs must agree over every entry of the volume, as fsck.fat compares them. */
  private void checkFatCopiesAgree() throws IOException {
    if (boot.fatCount() < 2) {
      return;
    }
    long bytes = ((boot.clusterCount() + 2) * boot.fatBits() + 7) / 8;
    ByteBuffer first = ByteBuffer.allocate(FatTable.WINDOW_BYTES);
    ByteBuffer second = ByteBuffer.allocate(FatTable.WINDOW_BYTES);
    for (long at = 0; at < bytes; at += FatTable.WINDOW_BYTES) {
      int n = (int) Math.min(FatTable.WINDOW_BYTES, bytes - at);
      first.clear().limit(n);
      second.clear().limit(n);
      FatIo.readFully(channel, first, base + boot.fatOffset() + at);
      FatIo.readFully(channel, second, base + boot.fatOffset() + boot.fatBytes() + at);
      int mismatch = first.flip().mismatch(second.flip());
      if (mismatch >= 0) {
        problem("FAT copies 1 and 2 differ (first at byte " + (at + mismatch) + " of the FAT)");
        return;
      }
    }
  }

  private void checkEntriesInRange() throws IOException {
    long outOfRange = 0;
    long first = -1;
    for (long c = 2; c < boot.clusterCount() + 2; c++) {
      long v = fat.entry(c);
      if (v == 1 || (v >= boot.clusterCount() + 2 && v < fat.bad())) {
        outOfRange++;
        first = first < 0 ? c : first;
      }
    }
    if (outOfRange > 0) {
      problem(
          outOfRange + " FAT entries point outside the volume (first at cluster " + first + ")");
    }
  }

  // ---- directories and files ----

  /** One directory to scan: its start cluster (0: FAT12/16 root), parent's and grandparent's. */
  private record Dir(String path, long start, long parent, long grandparent, int depth) {}

  /** Walks every directory from the root; returns the root's volume label entry or null. */
  private String checkTree() throws IOException {
    Deque<Dir> pending = new ArrayDeque<>();
    long root = boot.fatBits() == 32 ? boot.rootCluster() : 0;
    if (root != 0 && !fat.isDataCluster(root)) {
      problem("the root directory's cluster " + root + " is outside the volume");
      return null;
    }
    if (root != 0 && claimChain("the root directory", root, -1) < 0) {
      return null;
    }
    String[] rootLabel = new String[1];
    pending.push(new Dir("", root, -1, -1, 0));
    while (!pending.isEmpty()) {
      Dir dir = pending.pop();
      for (Dir child : checkDirectory(dir, rootLabel)) {
        pending.push(child);
      }
    }
    return rootLabel[0];
  }

  private List<Dir> checkDirectory(Dir dir, String[] rootLabel) throws IOException {
    List<Dir> children = new ArrayList<>();
    if (dir.depth() > MAX_DEPTH) {
      problem("directories nested deeper than " + MAX_DEPTH + " at " + dir.path());
      return children;
    }
    byte[] slots = directorySlots(dir);
    boolean subdirectory = !dir.path().isEmpty();
    if (subdirectory) {
      checkDotEntries(dir, slots);
    }
    Set<String> names = new HashSet<>();
    LfnRun lfn = new LfnRun();
    for (int pos = subdirectory ? 2 * BYTES : 0; pos + BYTES <= slots.length; pos += BYTES) {
      int first = slots[pos] & 0xFF;
      int attr = slots[pos + ATTRIBUTES] & 0xFF;
      if (first == END || first == DELETED) {
        lfn.orphanCheck(dir.path());
        continue;
      }
      if (attr == ATTR_LFN) {
        lfn.add(slots, pos, dir.path());
        continue;
      }
      boolean hasLongName = lfn.finish();
      String name = displayName(slots, pos, dir);
      if ((attr & ATTR_VOLUME) != 0 && (attr & ATTR_DIRECTORY) == 0 && !subdirectory) {
        rootLabel[0] = rootLabel[0] == null ? rawName(slots, pos) : rootLabel[0];
      }
      if ((attr & ATTR_VOLUME) == 0) {
        checkName(slots, pos, hasLongName, name, names);
      }
      Dir child = checkEntry(dir, slots, pos, name);
      if (child != null) {
        children.add(child);
      }
    }
    lfn.orphanCheck(dir.path());
    return children;
  }

  /** The directory's slots: the fixed root area, or its chain (claimed here) cluster by cluster. */
  private byte[] directorySlots(Dir dir) throws IOException {
    if (dir.start() == 0) {
      ByteBuffer b = ByteBuffer.allocate(boot.rootDirBytes());
      FatIo.readFully(channel, b, base + boot.rootDirOffset());
      return b.array();
    }
    List<byte[]> clusters = new ArrayList<>();
    int clusterBytes = (int) boot.clusterBytes();
    long maxClusters = Math.max(1, (long) MAX_DIRECTORY_ENTRIES * BYTES / clusterBytes);
    long c = dir.start();
    while (c >= 0 && clusters.size() < maxClusters) {
      ByteBuffer b = ByteBuffer.allocate(clusterBytes);
      FatIo.readFully(channel, b, base + boot.clusterOffset(c));
      clusters.add(b.array());
      long next = fat.entry(c);
      c = fat.isEndOfChain(next) || !fat.isDataCluster(next) ? -1 : next;
    }
    if (c >= 0) {
      problem(
          "directory " + show(dir.path()) + " has more than " + MAX_DIRECTORY_ENTRIES + " entries");
    }
    byte[] all = new byte[clusters.size() * clusterBytes];
    for (int i = 0; i < clusters.size(); i++) {
      System.arraycopy(clusters.get(i), 0, all, i * clusterBytes, clusterBytes);
    }
    return all;
  }

  /** A subdirectory starts with "." (itself) and ".." (its parent, 0 for the root). */
  private void checkDotEntries(Dir dir, byte[] slots) {
    long parent = dir.parent() == boot.rootCluster() ? 0 : dir.parent();
    checkDot(dir, slots, 0, ".          ", dir.start());
    checkDot(dir, slots, BYTES, "..         ", parent);
  }

  private void checkDot(Dir dir, byte[] slots, int pos, String expected, long start) {
    if (slots.length < pos + BYTES) {
      problem("directory " + show(dir.path()) + " lacks its '" + expected.strip() + "' entry");
      return;
    }
    int attr = slots[pos + ATTRIBUTES] & 0xFF;
    if ((attr & ATTR_DIRECTORY) == 0
        || startCluster(slots, pos) != start
        || !rawName(slots, pos).equals(expected)) {
      problem("directory " + show(dir.path()) + " has a wrong '" + expected.strip() + "' entry");
    } else if ((slots[pos + NT_FLAGS] & NO_83_NAME) != 0) {
      problem(
          "directory "
              + show(dir.path())
              + "'s '"
              + expected.strip()
              + "' entry has the no-8.3-name flag");
    }
  }

  /** fsck.fat's bad_name and its duplicate check, on the 11 stored bytes. */
  private void checkName(
      byte[] slots, int pos, boolean hasLongName, String name, Set<String> names) {
    String raw = rawName(slots, pos);
    boolean noShortName = (slots[pos + NT_FLAGS] & NO_83_NAME) != 0;
    boolean bad = noShortName && !hasLongName;
    if (!noShortName) {
      for (int i = 0; i < NAME_LENGTH && !bad; i++) {
        int ch = slots[pos + i] & 0xFF;
        bad =
            (ch < ' ' && !(i == 0 && ch == KANJI_E5))
                || ch == 0x7F
                || BAD_CHARACTERS.indexOf(ch) >= 0;
      }
      bad |= raw.charAt(0) == ' ';
    }
    if (bad) {
      problem(name + ": bad 8.3 name '" + printable(raw) + "'");
    }
    if (!names.add(raw)) {
      problem(name + ": duplicate 8.3 name '" + printable(raw) + "' in its directory");
    }
  }

  /**
   * fsck.fat's check_file: a directory's size and start, then the chain against the size and
   * against every chain already claimed. Returns the subdirectory to scan, or null.
   */
  private Dir checkEntry(Dir dir, byte[] slots, int pos, String name) throws IOException {
    int attr = slots[pos + ATTRIBUTES] & 0xFF;
    boolean directory = (attr & ATTR_DIRECTORY) != 0;
    long size =
        ByteBuffer.wrap(slots).order(ByteOrder.LITTLE_ENDIAN).getInt(pos + SIZE) & 0xFFFFFFFFL;
    long start = startCluster(slots, pos);
    if (directory) {
      if (size != 0) {
        problem(name + ": a directory with a non-zero size (" + size + " bytes)");
      }
      long grandparent = dir.parent() == boot.rootCluster() ? 0 : dir.parent();
      if (start == 0) {
        problem(name + ": a directory whose start points to the root directory");
        return null;
      }
      if (start == dir.start() || (dir.parent() >= 0 && start == grandparent)) {
        problem(name + ": a directory that loops back to a directory above it");
        return null;
      }
    }
    if (start == 1 || (start != 0 && !fat.isDataCluster(start))) {
      problem(name + ": start cluster " + start + " is outside the volume");
      return null;
    }
    long clusters = start == 0 ? 0 : claimChain(name, start, directory ? -1 : size);
    if (!directory && clusters >= 0 && size > clusters * boot.clusterBytes()) {
      problem(
          name
              + ": size "
              + size
              + " bytes needs more than the "
              + clusters
              + " clusters its chain holds");
    }
    if (!directory || clusters < 0) {
      return null;
    }
    return new Dir(name, start, dir.start(), dir.parent(), dir.depth() + 1);
  }

  /**
   * Claims the chain from {@code start}; returns its length in clusters, or -1 after a problem that
   * stops the walk. For a file, a chain longer than its size needs is a problem too.
   */
  private long claimChain(String name, long start, long size) throws IOException {
    long count = 0;
    long c = start;
    while (true) {
      if (owned.get((int) c)) {
        problem(name + ": cluster " + c + " of its chain is already used (a loop or a cross-link)");
        return -1;
      }
      long entry = fat.entry(c);
      if (entry == 0 || entry == fat.bad()) {
        problem(
            name
                + ": its chain contains a "
                + (entry == 0 ? "free" : "bad")
                + " cluster ("
                + c
                + ")");
        return -1;
      }
      if (size >= 0 && size <= count * boot.clusterBytes()) {
        problem(
            name
                + ": size "
                + size
                + " bytes, but its chain is longer ("
                + (count + 1)
                + " clusters or more)");
        return -1;
      }
      owned.set((int) c);
      count++;
      if (fat.isEndOfChain(entry) || !fat.isDataCluster(entry)) {
        return count; // an out-of-range entry was reported by checkEntriesInRange
      }
      c = entry;
    }
  }

  // ---- after the walk ----

  private void checkLostClusters() throws IOException {
    long lost = 0;
    for (long c = 2; c < boot.clusterCount() + 2; c++) {
      long v = fat.entry(c);
      if (v != 0 && v != fat.bad() && !owned.get((int) c)) {
        lost++;
      }
    }
    if (lost > 0) {
      problem(lost + " clusters are marked in use but belong to no file or directory");
    }
  }

  private void checkFsInfo() throws IOException {
    int sector = boot.fsInfoSector();
    if (boot.fatBits() != 32 || sector == 0 || sector >= boot.reservedSectors()) {
      return;
    }
    ByteBuffer b = ByteBuffer.allocate(BootSector.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    FatIo.readFully(channel, b, base + (long) sector * boot.bytesPerSector());
    if (b.getInt(Bpb.FSINFO_LEAD_SIGNATURE) != Bpb.FSINFO_LEAD_VALUE
        || b.getInt(Bpb.FSINFO_STRUCT_SIGNATURE) != Bpb.FSINFO_STRUCT_VALUE
        || b.getInt(Bpb.FSINFO_TRAIL_SIGNATURE) != Bpb.FSINFO_TRAIL_VALUE) {
      problem("the FSInfo sector has a bad signature");
      return;
    }
    long recorded = b.getInt(Bpb.FSINFO_FREE_COUNT) & 0xFFFFFFFFL;
    if (recorded == 0xFFFFFFFFL) {
      return;
    }
    long free = 0;
    for (long c = 2; c < boot.clusterCount() + 2; c++) {
      if (!owned.get((int) c) && fat.entry(c) != fat.bad()) {
        free++;
      }
    }
    if (free != recorded) {
      problem("the FSInfo sector counts " + recorded + " free clusters, there are " + free);
    }
  }

  /** The boot sector's label and the root's volume label entry must agree, as fsck.fat wants. */
  private void checkLabels(String rootLabel) {
    String bootLabel = boot.labelField() == null ? NO_NAME : boot.labelField();
    if (rootLabel == null && !bootLabel.equals(NO_NAME)) {
      problem(
          "the boot sector has the label '"
              + printable(bootLabel).strip()
              + "' but the root directory has no volume label");
    } else if (rootLabel != null && !rootLabel.equals(bootLabel)) {
      problem(
          "the root directory's volume label '"
              + printable(rootLabel).strip()
              + "' differs from the boot sector's '"
              + printable(bootLabel).strip()
              + "'");
    }
  }

  // ---- helpers ----

  /** Long-name parts since the last short entry; parts with no short entry are orphaned. */
  private final class LfnRun {
    private int parts;
    private int lastOrdinal = -1;

    void add(byte[] slots, int pos, String dir) {
      int sequence = slots[pos] & 0xFF;
      if (parts > 0 && lastOrdinal == 1) {
        orphanCheck(dir);
      }
      if ((slots[pos + LFN_RESERVED] & 0xFF) != 0
          || (slots[pos + LFN_START] | slots[pos + LFN_START + 1]) != 0) {
        problem("directory " + show(dir) + ": a long-name entry with non-zero reserved fields");
      }
      boolean starts = (sequence & LFN_LAST) != 0 && (sequence & LFN_ORDINAL_MASK) != 0;
      if (starts || parts > 0) {
        parts++;
        lastOrdinal = sequence & LFN_ORDINAL_MASK;
      }
    }

    boolean finish() {
      boolean had = parts > 0;
      parts = 0;
      lastOrdinal = -1;
      return had;
    }

    void orphanCheck(String dir) {
      if (parts > 0) {
        problem("directory " + show(dir) + ": an orphaned long-name part");
      }
      parts = 0;
      lastOrdinal = -1;
    }
  }

  private long startCluster(byte[] slots, int pos) {
    ByteBuffer b = ByteBuffer.wrap(slots).order(ByteOrder.LITTLE_ENDIAN);
    long high = boot.fatBits() == 32 ? (b.getShort(pos + CLUSTER_HIGH) & 0xFFFFL) << 16 : 0;
    return high | (b.getShort(pos + CLUSTER_LOW) & 0xFFFFL);
  }

  private static String rawName(byte[] slots, int pos) {
    return new String(slots, pos, NAME_LENGTH, StandardCharsets.ISO_8859_1);
  }

  private static String displayName(byte[] slots, int pos, Dir dir) {
    byte[] raw = Arrays.copyOfRange(slots, pos, pos + NAME_LENGTH);
    String shortName = printable(DirectoryDecoder.shortDisplayName(raw, (byte) 0));
    return dir.path().isEmpty() ? shortName : dir.path() + "/" + shortName;
  }

  private static String show(String path) {
    return path.isEmpty() ? "/" : path;
  }

  /** Control characters as '?', so that a message stays one line. */
  private static String printable(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      out.append(c < ' ' || c == 0x7F ? '?' : c);
    }
    return out.toString();
  }
}
