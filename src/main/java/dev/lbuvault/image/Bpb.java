package dev.lbuvault.image;

/**
 * Byte offsets and magic values of the FAT boot sector (the BIOS parameter block and the extended
 * boot record) and of the FAT32 FSInfo sector, named once for {@link BootSector}, which reads them,
 * and {@link FatWriter}, which writes them. Offsets are from the start of the sector; the extended
 * boot record sits at {@link #EXTENDED_FAT12_16} or {@link #EXTENDED_FAT32} and its fields are
 * relative to that start. Values are little-endian.
 */
public final class Bpb {
  /** The boot sector's jump instruction: {@code EB xx 90} or {@code E9 xx xx}. */
  public static final int JUMP = 0x00;

  public static final int JUMP_SHORT = 0xEB;
  public static final int JUMP_NEAR = 0xE9;
  public static final int OEM_NAME = 0x03;
  public static final int BYTES_PER_SECTOR = 0x0B;
  public static final int SECTORS_PER_CLUSTER = 0x0D;
  public static final int RESERVED_SECTORS = 0x0E;
  public static final int FAT_COUNT = 0x10;
  public static final int ROOT_ENTRIES = 0x11;
  public static final int TOTAL_SECTORS_16 = 0x13;
  public static final int MEDIA = 0x15;
  public static final int FAT_SECTORS_16 = 0x16;
  public static final int SECTORS_PER_TRACK = 0x18;
  public static final int HEADS = 0x1A;
  public static final int HIDDEN_SECTORS = 0x1C;
  public static final int TOTAL_SECTORS_32 = 0x20;

  /** FAT32 only: the FAT size, mirroring flags, version, root cluster and two sector numbers. */
  public static final int FAT32_FAT_SECTORS = 0x24;

  public static final int FAT32_FLAGS = 0x28;
  public static final int FAT32_VERSION = 0x2A;
  public static final int FAT32_ROOT_CLUSTER = 0x2C;
  public static final int FAT32_FSINFO_SECTOR = 0x30;
  public static final int FAT32_BACKUP_BOOT_SECTOR = 0x32;

  /** Where the extended boot record starts: after the FAT12/16 BPB, or after FAT32's longer one. */
  public static final int EXTENDED_FAT12_16 = 0x24;

  public static final int EXTENDED_FAT32 = 0x40;

  /** Offsets inside the extended boot record. */
  public static final int EXT_DRIVE_NUMBER = 0x00;

  /** Bit 0 is the "not cleanly unmounted" flag Linux sets while the volume is mounted. */
  public static final int EXT_STATE = 0x01;

  public static final int EXT_SIGNATURE = 0x02;
  public static final int EXT_VOLUME_ID = 0x03;
  public static final int EXT_LABEL = 0x07;
  public static final int EXT_FS_TYPE = 0x12;
  public static final int EXT_BOOT_CODE = 0x1A;

  /** Extended signature values: 0x29 has volume id, label and type; 0x28 the volume id only. */
  public static final int EXT_SIGNATURE_FULL = 0x29;

  public static final int EXT_SIGNATURE_ID_ONLY = 0x28;
  public static final int LABEL_LENGTH = 11;
  public static final int FS_TYPE_LENGTH = 8;

  /** The {@code 55 AA} at the end of every boot sector. */
  public static final int SIGNATURE = 0x1FE;

  public static final int SIGNATURE_BYTE_1 = 0x55;
  public static final int SIGNATURE_BYTE_2 = 0xAA;

  /** The FSInfo sector: three signatures, the free-cluster count and the next-free hint. */
  public static final int FSINFO_LEAD_SIGNATURE = 0;

  public static final int FSINFO_LEAD_VALUE = 0x41615252;
  public static final int FSINFO_STRUCT_SIGNATURE = 484;
  public static final int FSINFO_STRUCT_VALUE = 0x61417272;
  public static final int FSINFO_FREE_COUNT = 488;
  public static final int FSINFO_NEXT_FREE = 492;
  public static final int FSINFO_TRAIL_SIGNATURE = 508;
  public static final int FSINFO_TRAIL_VALUE = 0xAA550000;

  /** "Unknown" in the FSInfo counters. */
  public static final int FSINFO_UNKNOWN = 0xFFFFFFFF;

  private Bpb() {}
}
