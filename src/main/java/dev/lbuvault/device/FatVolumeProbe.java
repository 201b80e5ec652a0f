package dev.lbuvault.device;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads the volume serial and label from the boot sector of a FAT filesystem: a partition device
 * such as {@code /dev/mmcblk0p1} or an image of one, not a whole disk with its partition table.
 * Only the first 512 bytes are read. Anything that does not look like FAT (no {@code 55 AA}
 * signature, an implausible BIOS parameter block, no FAT type string, or no extended boot signature
 * carrying a serial) answers empty rather than guessing, because a wrong serial would silently
 * break the card's fstab. FAT12 or FAT16 is decided by cluster count and FAT32 by the BPB layout,
 * as the Linux kernel does.
 */
public final class FatVolumeProbe {
  private static final int SECTOR = 512;
  private static final int FAT12_MAX_CLUSTERS = 4084;
  private static final int LABEL_LENGTH = 11;
  private static final int ROOT_ENTRY_SIZE = 32;
  private static final String NO_NAME = "NO NAME";

  /** Offsets of the extended BPB, which sits later in the FAT32 layout. */
  private record Layout(int signature, int serial, int label, int fsType) {}

  private static final Layout FAT32 = new Layout(0x42, 0x43, 0x47, 0x52);
  private static final Layout FAT12_16 = new Layout(0x26, 0x27, 0x2B, 0x36);

  /**
   * Probes a device or image.
   *
   * @return the volume, or empty if the first sector is not a FAT boot sector
   * @throws IOException if the device or file cannot be read
   */
  public Optional<FatVolume> probe(Path deviceOrImage) throws IOException {
    ByteBuffer sector = ByteBuffer.allocate(SECTOR).order(ByteOrder.LITTLE_ENDIAN);
    try (SeekableByteChannel channel = Files.newByteChannel(deviceOrImage)) {
      while (sector.hasRemaining() && channel.read(sector) >= 0) {
        // block devices may return short reads
      }
    }
    if (sector.hasRemaining()) {
      return Optional.empty();
    }
    return parse(sector);
  }

  static Optional<FatVolume> parse(ByteBuffer b) {
    if (b.get(0x1FE) != 0x55 || b.get(0x1FF) != (byte) 0xAA) {
      return Optional.empty();
    }
    int jump = b.get(0) & 0xFF;
    int bytesPerSector = b.getShort(0x0B) & 0xFFFF;
    int sectorsPerCluster = b.get(0x0D) & 0xFF;
    int reservedSectors = b.getShort(0x0E) & 0xFFFF;
    int fats = b.get(0x10) & 0xFF;
    int rootEntries = b.getShort(0x11) & 0xFFFF;
    long totalSectors = b.getShort(0x13) & 0xFFFF;
    int media = b.get(0x15) & 0xFF;
    long fatSize = b.getShort(0x16) & 0xFFFF;
    if (totalSectors == 0) {
      totalSectors = b.getInt(0x20) & 0xFFFFFFFFL;
    }
    boolean plausible =
        (jump == 0xEB || jump == 0xE9)
            && isPowerOfTwo(bytesPerSector)
            && bytesPerSector >= SECTOR
            && bytesPerSector <= 4096
            && isPowerOfTwo(sectorsPerCluster)
            && reservedSectors >= 1
            && fats >= 1
            && (media == 0xF0 || media >= 0xF8)
            && totalSectors > 0;
    if (!plausible) {
      return Optional.empty();
    }
    Layout layout;
    String type;
    if (fatSize == 0) {
      // FAT32 keeps the FAT size in its own field and has no fixed root directory.
      fatSize = b.getInt(0x24) & 0xFFFFFFFFL;
      if (fatSize == 0 || rootEntries != 0) {
        return Optional.empty();
      }
      layout = FAT32;
      type = "FAT32";
    } else {
      long rootSectors =
          ((long) rootEntries * ROOT_ENTRY_SIZE + bytesPerSector - 1) / bytesPerSector;
      long dataSectors = totalSectors - reservedSectors - fats * fatSize - rootSectors;
      if (dataSectors <= 0) {
        return Optional.empty();
      }
      layout = FAT12_16;
      type = dataSectors / sectorsPerCluster <= FAT12_MAX_CLUSTERS ? "FAT12" : "FAT16";
    }
    int signature = b.get(layout.signature()) & 0xFF;
    if (signature != 0x29 && signature != 0x28) {
      return Optional.empty(); // no extended BPB, so no serial to match an fstab UUID against
    }
    String fsType = ascii(b, layout.fsType(), 8);
    if (!fsType.startsWith("FAT") && !fsType.startsWith("MSWIN") && !fsType.startsWith("MSDOS")) {
      return Optional.empty();
    }
    long serial = b.getInt(layout.serial()) & 0xFFFFFFFFL;
    String volumeId = String.format(Locale.ROOT, "%04X-%04X", serial >>> 16, serial & 0xFFFF);
    // Signature 0x28 means the label and type fields are absent.
    String label = signature == 0x29 ? label(b, layout.label()) : null;
    return Optional.of(new FatVolume(volumeId, label, type));
  }

  private static String label(ByteBuffer b, int offset) {
    // Trailing blanks pad the field; a NUL-filled field is what some formatters leave empty.
    String label = ascii(b, offset, LABEL_LENGTH).replaceAll("[ \\x00]+$", "");
    return label.isEmpty() || label.equals(NO_NAME) ? null : label;
  }

  private static String ascii(ByteBuffer b, int offset, int length) {
    byte[] bytes = new byte[length];
    b.get(offset, bytes);
    // Labels are in the OEM code page; ISO-8859-1 keeps every byte and needs no optional charset.
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }

  private static boolean isPowerOfTwo(int n) {
    return n > 0 && (n & (n - 1)) == 0;
  }
}
