package dev.lbuvault.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The parameters of a FAT boot sector, parsed once for everything that reads FAT: the volume probe
 * behind fstab's {@code UUID=}/{@code LABEL=} and {@link FatReader}. The type is decided as the
 * Linux kernel decides it: FAT32 by its BPB layout (16-bit FAT size 0), FAT12 below 4085 clusters,
 * else FAT16. Text fields are kept as ISO-8859-1 so that no byte is lost; callers decode them with
 * the code page they need.
 *
 * @param labelField the 11-byte label field, untrimmed, or null without a full extended record
 * @param fsTypeField the 8-byte type field ("FAT32 "), or null without a full extended record
 * @param dirty the extended record's "not cleanly unmounted" flag
 */
public record BootSector(
    int bytesPerSector,
    int sectorsPerCluster,
    int reservedSectors,
    int fatCount,
    int rootEntries,
    long totalSectors,
    int media,
    long fatSectors,
    int fatBits,
    long rootCluster,
    int fsInfoSector,
    int backupBootSector,
    int extendedSignature,
    int volumeId,
    String labelField,
    String fsTypeField,
    boolean dirty) {
  /** Bytes in one boot sector, whatever the logical sector size. */
  public static final int BYTES = 512;

  /** Bytes in one directory entry. */
  static final int DIR_ENTRY_BYTES = 32;

  private static final int FAT12_MAX_CLUSTERS = 4084;
  private static final int MAX_SECTOR_BYTES = 4096;

  /**
   * Parses the first 512 bytes of a FAT filesystem.
   *
   * @throws IOException "not a FAT filesystem: ..." naming the first implausible field
   */
  public static BootSector parse(ByteBuffer sector) throws IOException {
    ByteBuffer b = sector.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    if (b.limit() < BYTES) {
      throw notFat("fewer than " + BYTES + " bytes");
    }
    requireSignatureAndJump(b);
    int bytesPerSector = u16(b, Bpb.BYTES_PER_SECTOR);
    int sectorsPerCluster = u8(b, Bpb.SECTORS_PER_CLUSTER);
    int reserved = u16(b, Bpb.RESERVED_SECTORS);
    int fats = u8(b, Bpb.FAT_COUNT);
    int rootEntries = u16(b, Bpb.ROOT_ENTRIES);
    int media = u8(b, Bpb.MEDIA);
    long totalSectors = u16(b, Bpb.TOTAL_SECTORS_16);
    if (totalSectors == 0) {
      totalSectors = u32(b, Bpb.TOTAL_SECTORS_32);
    }
    long fatSectors = u16(b, Bpb.FAT_SECTORS_16);
    boolean fat32 = fatSectors == 0;
    if (fat32) {
      fatSectors = u32(b, Bpb.FAT32_FAT_SECTORS);
    }
    if (!isPowerOfTwo(bytesPerSector)
        || bytesPerSector < BYTES
        || bytesPerSector > MAX_SECTOR_BYTES
        || !isPowerOfTwo(sectorsPerCluster)
        || reserved < 1
        || fats < 1
        || (media != 0xF0 && media < 0xF8)
        || fatSectors == 0
        || totalSectors == 0
        || (fat32 && rootEntries != 0)) {
      throw notFat("implausible boot sector parameters");
    }
    long rootDirSectors =
        ((long) rootEntries * DIR_ENTRY_BYTES + bytesPerSector - 1) / bytesPerSector;
    long dataSectors = totalSectors - reserved - fats * fatSectors - rootDirSectors;
    if (dataSectors <= 0) {
      throw notFat("no room for data after the FATs");
    }
    long clusters = dataSectors / sectorsPerCluster;
    int fatBits = fat32 ? 32 : clusters <= FAT12_MAX_CLUSTERS ? 12 : 16;
    int ext = fat32 ? Bpb.EXTENDED_FAT32 : Bpb.EXTENDED_FAT12_16;
    int signature = u8(b, ext + Bpb.EXT_SIGNATURE);
    boolean hasId = signature == Bpb.EXT_SIGNATURE_FULL || signature == Bpb.EXT_SIGNATURE_ID_ONLY;
    boolean full = signature == Bpb.EXT_SIGNATURE_FULL;
    return new BootSector(
        bytesPerSector,
        sectorsPerCluster,
        reserved,
        fats,
        rootEntries,
        totalSectors,
        media,
        fatSectors,
        fatBits,
        fat32 ? u32(b, Bpb.FAT32_ROOT_CLUSTER) & 0x0FFFFFFFL : 0,
        fat32 ? u16(b, Bpb.FAT32_FSINFO_SECTOR) : 0,
        fat32 ? u16(b, Bpb.FAT32_BACKUP_BOOT_SECTOR) : 0,
        signature,
        hasId ? b.getInt(ext + Bpb.EXT_VOLUME_ID) : 0,
        full ? text(b, ext + Bpb.EXT_LABEL, Bpb.LABEL_LENGTH) : null,
        full ? text(b, ext + Bpb.EXT_FS_TYPE, Bpb.FS_TYPE_LENGTH) : null,
        hasId && (u8(b, ext + Bpb.EXT_STATE) & 1) != 0);
  }

  private static void requireSignatureAndJump(ByteBuffer b) throws IOException {
    if (u8(b, Bpb.SIGNATURE) != Bpb.SIGNATURE_BYTE_1
        || u8(b, Bpb.SIGNATURE + 1) != Bpb.SIGNATURE_BYTE_2) {
      throw notFat("no 55 AA boot signature");
    }
    int jump = u8(b, Bpb.JUMP);
    if (jump != Bpb.JUMP_SHORT && jump != Bpb.JUMP_NEAR) {
      throw notFat("no jump instruction at the boot sector start");
    }
  }

  /** True if the volume id field is there (extended signature 0x28 or 0x29). */
  public boolean hasVolumeId() {
    return extendedSignature == Bpb.EXT_SIGNATURE_FULL
        || extendedSignature == Bpb.EXT_SIGNATURE_ID_ONLY;
  }

  /** Bytes per cluster. */
  public long clusterBytes() {
    return (long) bytesPerSector * sectorsPerCluster;
  }

  /** Byte offset of the first FAT from the partition start. */
  public long fatOffset() {
    return (long) reservedSectors * bytesPerSector;
  }

  /** Bytes in one FAT copy. */
  public long fatBytes() {
    return fatSectors * bytesPerSector;
  }

  /** Byte offset of FAT12/16's fixed root directory (where FAT32's data area starts). */
  public long rootDirOffset() {
    return fatOffset() + fatCount * fatBytes();
  }

  /** Bytes of FAT12/16's fixed root directory; 0 on FAT32. */
  public int rootDirBytes() {
    return rootEntries * DIR_ENTRY_BYTES;
  }

  /** Byte offset of cluster 2, the first data cluster. */
  public long firstDataByte() {
    long rootDirSectors = ((long) rootDirBytes() + bytesPerSector - 1) / bytesPerSector;
    return rootDirOffset() + rootDirSectors * bytesPerSector;
  }

  /** Data clusters: numbers 2 to {@code clusterCount() + 1} are valid. */
  public long clusterCount() {
    return (totalSectors * bytesPerSector - firstDataByte()) / clusterBytes();
  }

  /** How many entries one FAT copy has room for. */
  public long fatEntryCapacity() {
    return fatBytes() * 8 / fatBits;
  }

  /** Byte offset of {@code cluster}'s first byte from the partition start. */
  public long clusterOffset(long cluster) {
    return firstDataByte() + (cluster - 2) * clusterBytes();
  }

  private static IOException notFat(String why) {
    return new IOException("not a FAT filesystem: " + why);
  }

  private static int u8(ByteBuffer b, int at) {
    return b.get(at) & 0xFF;
  }

  private static int u16(ByteBuffer b, int at) {
    return b.getShort(at) & 0xFFFF;
  }

  private static long u32(ByteBuffer b, int at) {
    return b.getInt(at) & 0xFFFFFFFFL;
  }

  private static String text(ByteBuffer b, int at, int length) {
    byte[] bytes = new byte[length];
    b.get(at, bytes);
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }

  private static boolean isPowerOfTwo(long v) {
    return v > 0 && (v & (v - 1)) == 0;
  }
}
