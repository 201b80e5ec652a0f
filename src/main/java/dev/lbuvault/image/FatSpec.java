package dev.lbuvault.image;

import java.util.List;
import java.util.Objects;

/**
 * What {@link FatLayout#plan} builds: the files, the size of the FAT32 partition, the volume serial
 * and the label. The serial and label are what the card's fstab and {@code blkid} know the card by
 * ({@code UUID=1A2B-3C4D} is serial {@code 0x1A2B3C4D}, high word first), so a rebuilt card must
 * carry the original ones. The label keeps its case, as {@code mkfs.fat -n} does, because mount's
 * {@code LABEL=} match is case-sensitive; an empty label means none ({@code NO NAME} in the boot
 * sector and no volume-label entry).
 *
 * @param files the files, in the order their data is laid out on the card
 * @param directories directories the card holds besides those implied by the files' paths (an empty
 *     {@code cache/}); '/'-separated paths, in any order
 * @param partitionBytes the partition size, a positive multiple of 512
 * @param volumeId the 32-bit volume serial
 * @param label up to 11 printable ASCII characters, none of {@code *?.,;:/\|+=<>[]"}, not starting
 *     with a space
 */
public record FatSpec(
    List<FatFile> files,
    long partitionBytes,
    int volumeId,
    String label,
    List<String> directories) {
  static final int LABEL_LENGTH = 11;
  private static final String LABEL_FORBIDDEN = "*?.,;:/\\|+=<>[]\"";

  public FatSpec {
    files = List.copyOf(Objects.requireNonNull(files, "files"));
    directories = List.copyOf(Objects.requireNonNull(directories, "directories"));
    Objects.requireNonNull(label, "label");
    if (partitionBytes <= 0 || partitionBytes % FatGeometry.SECTOR_BYTES != 0) {
      throw new IllegalArgumentException(
          "partition size must be a positive multiple of 512 bytes, got " + partitionBytes);
    }
    if (label.length() > LABEL_LENGTH) {
      throw new IllegalArgumentException(
          "label \"" + label + "\" is longer than " + LABEL_LENGTH + " characters");
    }
    if (label.startsWith(" ")) {
      throw new IllegalArgumentException("label \"" + label + "\" starts with a space");
    }
    for (char c : label.toCharArray()) {
      // mkfs.fat's rules: the label is an 8.3-style name in the OEM code page; plain ASCII keeps
      // it the same bytes whatever code page a reader assumes.
      if (c < 0x20 || c > 0x7E || LABEL_FORBIDDEN.indexOf(c) >= 0) {
        throw new IllegalArgumentException(
            "label \""
                + label
                + "\" contains '"
                + c
                + "': a FAT label holds printable ASCII except "
                + LABEL_FORBIDDEN);
      }
    }
  }

  /** A card whose only directories are those its files' paths imply. */
  public FatSpec(List<FatFile> files, long partitionBytes, int volumeId, String label) {
    this(files, partitionBytes, volumeId, label, List.of());
  }
}
