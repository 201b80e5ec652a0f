package dev.lbuvault.image;

/**
 * The sizes of a FAT32 filesystem's regions for a given partition, computed exactly as mkfs.fat
 * (dosfstools 4.x) computes them, so a card we build looks like one built by the usual tool: the
 * same cluster size for the same partition size, reserved sectors and FAT length rounded up to a
 * whole cluster (which aligns every cluster to its own size on a 4 MiB-aligned partition), and the
 * same cluster count.
 */
record FatGeometry(
    long totalSectors,
    int sectorsPerCluster,
    int reservedSectors,
    long fatSectors,
    long clusterCount) {
  static final int SECTOR_BYTES = 512;
  static final int FAT_COUNT = 2;

  /** Below this many clusters every FAT driver takes the filesystem for FAT16 (fatgen103). */
  static final long MIN_CLUSTERS = 65525;

  /** Highest usable FAT32 cluster count: entries above 0x0FFFFFF6 are bad/end-of-chain markers. */
  static final long MAX_CLUSTERS = 0x0FFFFFF5L - 1;

  static final long MAX_SECTORS = 0xFFFFFFFFL;
  static final int DEFAULT_RESERVED = 32;
  private static final int FAT_ENTRY_BYTES = 4;

  /**
   * mkfs.fat's FAT32 cluster size for a partition (its copy of Microsoft's table, with the size
   * floored to whole MiB): 512 B up to 260 MiB, 4 KiB up to 8 GiB, 8 KiB up to 16 GiB, 16 KiB up to
   * 32 GiB and 32 KiB above.
   */
  static int defaultSectorsPerCluster(long partitionBytes) {
    long mib = partitionBytes >> 20;
    if (mib > 32 * 1024) {
      return 64;
    } else if (mib > 16 * 1024) {
      return 32;
    } else if (mib > 8 * 1024) {
      return 16;
    } else if (mib > 260) {
      return 8;
    }
    return 1;
  }

  /** The geometry mkfs.fat -F 32 gives {@code totalSectors} sectors with its default cluster. */
  static FatGeometry forPartition(long totalSectors) {
    return of(totalSectors, defaultSectorsPerCluster(totalSectors * SECTOR_BYTES));
  }

  /**
   * mkfs.fat's setup_tables() for FAT32 with alignment on: estimate the clusters, size the FAT for
   * them, round it up to whole clusters, then recount the clusters that are really left. The
   * cluster count can be below {@link #MIN_CLUSTERS} (even negative): callers check.
   */
  static FatGeometry of(long totalSectors, int sectorsPerCluster) {
    int reserved = (int) align(DEFAULT_RESERVED, sectorsPerCluster);
    long fatData = totalSectors - reserved;
    long estimate =
        (fatData * SECTOR_BYTES + FAT_COUNT * 2L * FAT_ENTRY_BYTES)
            / ((long) sectorsPerCluster * SECTOR_BYTES + FAT_COUNT * FAT_ENTRY_BYTES);
    long fatSectors =
        align(
            ceilDiv((Math.max(estimate, 0) + 2) * FAT_ENTRY_BYTES, SECTOR_BYTES),
            sectorsPerCluster);
    long clusters = Math.floorDiv(fatData - FAT_COUNT * fatSectors, sectorsPerCluster);
    return new FatGeometry(totalSectors, sectorsPerCluster, reserved, fatSectors, clusters);
  }

  int bytesPerCluster() {
    return sectorsPerCluster * SECTOR_BYTES;
  }

  long firstDataSector() {
    return reservedSectors + FAT_COUNT * fatSectors;
  }

  /** Byte offset of {@code cluster} (2 is the first) from the partition start. */
  long clusterOffset(long cluster) {
    return (firstDataSector() + (cluster - 2) * sectorsPerCluster) * SECTOR_BYTES;
  }

  static long ceilDiv(long a, long b) {
    return -Math.floorDiv(-a, b);
  }

  static long align(long value, long unit) {
    return ceilDiv(value, unit) * unit;
  }
}
