package dev.lbuvault.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The DOS/MBR partition table of a Raspberry Pi card: 512 bytes at the start of the disk holding a
 * disk signature and up to four partitions. A Pi boots from partition 1 of an MBR (GPT only works
 * with the Pi 4/5 EEPROM loader), so {@link #build} makes the one-partition table a card needs and
 * {@link #parse} reads any table for {@code lbuvault inspect}. CHS fields are written as fdisk and
 * sfdisk write them for a 255-head, 63-sector geometry, saturating at cylinder 1023 where LBA takes
 * over.
 */
public final class Mbr {
  /** Partition 1 starts at 4 MiB, the erase-block alignment SD-card tools use. */
  public static final long PARTITION_START_SECTOR = 8192;

  static final int SECTOR = 512;
  private static final int SIGNATURE_OFFSET = 440;
  private static final int TABLE_OFFSET = 446;
  private static final int ENTRY_BYTES = 16;
  private static final int ENTRIES = 4;
  private static final int GPT_PROTECTIVE = 0xEE;
  private static final int HEADS = 255;
  private static final int SECTORS_PER_TRACK = 63;

  private Mbr() {}

  /** A 512-byte MBR with {@code diskSignature} and {@code partition} as entry 1 (others empty). */
  public static byte[] build(int diskSignature, MbrPartition partition) {
    Objects.requireNonNull(partition, "partition");
    if (partition.sectorCount() == 0 || partition.type() == 0) {
      throw new IllegalArgumentException("an MBR entry needs a non-zero type and length");
    }
    long end = partition.startSector() + partition.sectorCount() - 1;
    if (end > 0xFFFFFFFFL) {
      throw new IllegalArgumentException("partition ends beyond the MBR's 2 TiB limit: " + end);
    }
    ByteBuffer b = ByteBuffer.allocate(SECTOR).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(SIGNATURE_OFFSET, diskSignature);
    int e = TABLE_OFFSET;
    b.put(e, (byte) (partition.bootable() ? 0x80 : 0x00));
    putChs(b, e + 1, partition.startSector());
    b.put(e + 4, (byte) partition.type());
    putChs(b, e + 5, end);
    b.putInt(e + 8, (int) partition.startSector());
    b.putInt(e + 12, (int) partition.sectorCount());
    b.put(510, (byte) 0x55).put(511, (byte) 0xAA);
    return b.array();
  }

  /** CHS address of an LBA, or 1023/254/63 (FE FF FF) when it is beyond cylinder 1023. */
  private static void putChs(ByteBuffer b, int offset, long lba) {
    long cylinder = lba / (HEADS * SECTORS_PER_TRACK);
    int head;
    int sector;
    if (cylinder > 1023) {
      cylinder = 1023;
      head = HEADS - 1;
      sector = SECTORS_PER_TRACK;
    } else {
      head = (int) ((lba / SECTORS_PER_TRACK) % HEADS);
      sector = (int) (lba % SECTORS_PER_TRACK) + 1;
    }
    b.put(offset, (byte) head);
    b.put(offset + 1, (byte) ((sector & 0x3F) | ((cylinder >> 2) & 0xC0)));
    b.put(offset + 2, (byte) cylinder);
  }

  /**
   * The non-empty partition entries of an MBR, in table order.
   *
   * @param sector0 the first sector of the disk (at least 512 bytes)
   * @return the partitions; empty if the table has none
   * @throws IOException if there is no {@code 55 AA} signature, an entry is malformed (which is
   *     also what a FAT boot sector without a partition table looks like), or the disk is GPT
   */
  public static List<MbrPartition> parse(byte[] sector0) throws IOException {
    Objects.requireNonNull(sector0, "sector0");
    if (sector0.length < SECTOR) {
      throw new IOException("not an MBR: only " + sector0.length + " bytes, need 512");
    }
    ByteBuffer b = ByteBuffer.wrap(sector0).order(ByteOrder.LITTLE_ENDIAN);
    if ((b.get(510) & 0xFF) != 0x55 || (b.get(511) & 0xFF) != 0xAA) {
      throw new IOException("not an MBR: no 55 AA signature at offset 510");
    }
    List<MbrPartition> partitions = new ArrayList<>();
    for (int i = 0; i < ENTRIES; i++) {
      int e = TABLE_OFFSET + i * ENTRY_BYTES;
      int status = b.get(e) & 0xFF;
      int type = b.get(e + 4) & 0xFF;
      long start = b.getInt(e + 8) & 0xFFFFFFFFL;
      long count = b.getInt(e + 12) & 0xFFFFFFFFL;
      if (type == GPT_PROTECTIVE) {
        throw new IOException("GPT partition table (protective MBR)");
      }
      if (status != 0x00 && status != 0x80) {
        throw new IOException(
            String.format(
                Locale.ROOT,
                "not an MBR: partition entry %d has status 0x%02X (only 0x00 and 0x80 are valid)",
                i + 1,
                status));
      }
      if (type == 0) {
        continue;
      }
      partitions.add(new MbrPartition(start, count, type, status == 0x80));
    }
    return List.copyOf(partitions);
  }
}
