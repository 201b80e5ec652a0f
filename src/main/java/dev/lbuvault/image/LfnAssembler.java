package dev.lbuvault.image;

import static dev.lbuvault.image.DirEntryFields.LFN_CHECKSUM;
import static dev.lbuvault.image.DirEntryFields.LFN_LAST;
import static dev.lbuvault.image.DirEntryFields.LFN_ORDINAL_MASK;
import static dev.lbuvault.image.DirEntryFields.LFN_SEQUENCE;

/**
 * Collects the VFAT long-name entries that precede a short entry, last part first, and gives the
 * long name only if every part came in order with one checksum that matches the short name; an
 * out-of-order or orphaned part is dropped, as the Linux vfat driver drops it.
 */
final class LfnAssembler {
  private char[][] parts;
  private int expected;
  private int checksum = -1;

  /** Takes one LFN entry at {@code pos} of {@code d}. */
  void add(byte[] d, int pos) {
    int sequence = d[pos + LFN_SEQUENCE] & 0xFF;
    int ordinal = sequence & LFN_ORDINAL_MASK;
    int sum = d[pos + LFN_CHECKSUM] & 0xFF;
    if ((sequence & LFN_LAST) != 0) {
      parts = ordinal == 0 ? null : new char[ordinal][];
      expected = ordinal;
      checksum = sum;
    } else if (parts == null || ordinal != expected || sum != checksum) {
      parts = null;
      return;
    }
    if (parts != null) {
      char[] part = new char[FatNames.LFN_UNITS_PER_ENTRY];
      for (int k = 0; k < part.length; k++) {
        int at = pos + FatNames.lfnUnitOffset(k);
        part[k] = (char) ((d[at] & 0xFF) | (d[at + 1] & 0xFF) << 8);
      }
      parts[ordinal - 1] = part;
      expected = ordinal - 1;
    }
  }

  /** Forgets any parts collected (a deleted entry breaks the sequence). */
  void reset() {
    parts = null;
  }

  /** The long name for the short entry {@code shortName}, or null; resets either way. */
  String finish(byte[] shortName) {
    String name = null;
    if (parts != null && expected == 0 && FatNames.checksum(shortName) == checksum) {
      name = join(parts);
    }
    parts = null;
    return name;
  }

  private static String join(char[][] parts) {
    StringBuilder name = new StringBuilder();
    for (char[] part : parts) {
      for (char c : part) {
        if (c == 0x0000) {
          return name.toString();
        }
        name.append(c);
      }
    }
    return name.toString();
  }
}
