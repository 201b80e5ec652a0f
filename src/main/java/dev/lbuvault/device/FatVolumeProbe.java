package dev.lbuvault.device;

import dev.lbuvault.image.BootSector;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads the volume serial and label from the boot sector of a FAT filesystem: a partition device
 * such as {@code /dev/mmcblk0p1} or an image of one, not a whole disk with its partition table.
 * Only the first 512 bytes are read and parsed by {@link BootSector}, the one boot-sector parser.
 * Anything that does not look like FAT (no {@code 55 AA} signature, an implausible BIOS parameter
 * block, no FAT type string, or no extended boot signature carrying a serial) answers empty rather
 * than guessing, because a wrong serial would silently break the card's fstab.
 */
public final class FatVolumeProbe {
  private static final String NO_NAME = "NO NAME";

  /**
   * Probes a device or image.
   *
   * @return the volume, or empty if the first sector is not a FAT boot sector
   * @throws IOException if the device or file cannot be read
   */
  public Optional<FatVolume> probe(Path deviceOrImage) throws IOException {
    ByteBuffer sector = ByteBuffer.allocate(BootSector.BYTES);
    try (SeekableByteChannel channel = Files.newByteChannel(deviceOrImage)) {
      while (sector.hasRemaining() && channel.read(sector) >= 0) {
        // block devices may return short reads
      }
    }
    if (sector.hasRemaining()) {
      return Optional.empty();
    }
    return parse(sector.flip());
  }

  static Optional<FatVolume> parse(ByteBuffer sector) {
    BootSector boot;
    try {
      boot = BootSector.parse(sector);
    } catch (IOException notFat) {
      return Optional.empty();
    }
    if (!boot.hasVolumeId()) {
      return Optional.empty(); // no extended BPB, so no serial to match an fstab UUID against
    }
    String fsType = boot.fsTypeField();
    if (fsType != null
        && !fsType.startsWith("FAT")
        && !fsType.startsWith("MSWIN")
        && !fsType.startsWith("MSDOS")) {
      return Optional.empty();
    }
    long serial = boot.volumeId() & 0xFFFFFFFFL;
    String volumeId = String.format(Locale.ROOT, "%04X-%04X", serial >>> 16, serial & 0xFFFF);
    return Optional.of(new FatVolume(volumeId, label(boot), "FAT" + boot.fatBits()));
  }

  /** Signature 0x28 means the label field is absent. */
  private static String label(BootSector boot) {
    if (boot.labelField() == null) {
      return null;
    }
    // Trailing blanks pad the field; a NUL-filled field is what some formatters leave empty.
    String label = boot.labelField().replaceAll("[ \\x00]+$", "");
    return label.isEmpty() || label.equals(NO_NAME) ? null : label;
  }
}
