package dev.lbuvault.recover;

import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The FAT volume id and label the rebuilt card gets, and where each came from. They matter because
 * the host's {@code /etc/fstab} mounts the card by {@code UUID=} or {@code LABEL=}: a card with
 * another id does not mount at {@code /media/<LBU_MEDIA>} and the next {@code lbu commit} fails.
 */
public record VolumeIdentity(int volumeId, String label, String idSource, String labelSource) {
  private static final Pattern ID = Pattern.compile("[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}");
  private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9 !#$%&'()@^_`{}~-]{1,11}");

  public VolumeIdentity {
    label = normalizeLabel(label);
    Objects.requireNonNull(idSource, "idSource");
    Objects.requireNonNull(labelSource, "labelSource");
  }

  /** The id as fstab and blkid write it: {@code 1A2B-3C4D}. */
  public String volumeIdText() {
    String hex = HexFormat.of().withUpperCase().toHexDigits(volumeId);
    return hex.substring(0, 4) + "-" + hex.substring(4);
  }

  /** Parses {@code XXXX-XXXX} (as in {@code UUID=1A2B-3C4D}). */
  public static int parseVolumeId(String text) {
    if (text == null || !ID.matcher(text).matches()) {
      throw new IllegalArgumentException(
          "invalid volume id \"" + text + "\": expected XXXX-XXXX in hex, e.g. 1A2B-3C4D");
    }
    return (int) Long.parseLong(text.replace("-", ""), 16);
  }

  /**
   * Checks FAT's label rules (1-11 ASCII characters, none of " * + , . / : ; < = > ? [ \ ] |) and
   * keeps the case as given: mount's {@code LABEL=} match is case-sensitive and mkfs.fat keeps a
   * lower-case label, so upper-casing would make the host's own fstab line miss the card.
   */
  public static String normalizeLabel(String text) {
    String l = text == null ? "" : text.strip();
    if (!LABEL.matcher(l).matches()) {
      throw new IllegalArgumentException(
          "invalid volume label \""
              + text
              + "\": use 1 to 11 letters, digits, spaces or - _ characters, e.g. PIBOOT");
    }
    return l;
  }
}
