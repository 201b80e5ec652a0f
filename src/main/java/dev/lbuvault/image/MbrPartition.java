package dev.lbuvault.image;

/**
 * One primary partition entry of an MBR partition table, in 512-byte sectors: where it starts, how
 * long it is, its type byte ({@code 0x0C} is FAT32 with LBA) and whether the boot flag is set. The
 * fields are 32-bit on disk, which is why an MBR cannot describe anything beyond 2 TiB.
 */
public record MbrPartition(long startSector, long sectorCount, int type, boolean bootable) {
  public MbrPartition {
    if (startSector < 0 || startSector > 0xFFFFFFFFL) {
      throw new IllegalArgumentException(
          "start sector out of the MBR's 32-bit range: " + startSector);
    }
    if (sectorCount < 0 || sectorCount > 0xFFFFFFFFL) {
      throw new IllegalArgumentException(
          "sector count out of the MBR's 32-bit range: " + sectorCount);
    }
    if (type < 0 || type > 0xFF) {
      throw new IllegalArgumentException("partition type must be one byte, got " + type);
    }
  }
}
