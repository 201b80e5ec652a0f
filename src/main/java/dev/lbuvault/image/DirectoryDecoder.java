package dev.lbuvault.image;

import static dev.lbuvault.image.DirEntryFields.ATTRIBUTES;
import static dev.lbuvault.image.DirEntryFields.ATTR_LFN;
import static dev.lbuvault.image.DirEntryFields.BASE_LENGTH;
import static dev.lbuvault.image.DirEntryFields.BYTES;
import static dev.lbuvault.image.DirEntryFields.CLUSTER_HIGH;
import static dev.lbuvault.image.DirEntryFields.CLUSTER_LOW;
import static dev.lbuvault.image.DirEntryFields.DELETED;
import static dev.lbuvault.image.DirEntryFields.END;
import static dev.lbuvault.image.DirEntryFields.KANJI_E5;
import static dev.lbuvault.image.DirEntryFields.MDATE;
import static dev.lbuvault.image.DirEntryFields.MTIME;
import static dev.lbuvault.image.DirEntryFields.NAME_LENGTH;
import static dev.lbuvault.image.DirEntryFields.NT_FLAGS;
import static dev.lbuvault.image.DirEntryFields.NT_LOWER_BASE;
import static dev.lbuvault.image.DirEntryFields.NT_LOWER_EXTENSION;
import static dev.lbuvault.image.DirEntryFields.SIZE;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Turns the bytes of one directory into {@link DirRecord}s, up to the first end marker: deleted
 * entries are skipped, LFN entries go to an {@link LfnAssembler}, 8.3 names are decoded as code
 * page 850 like mtools and dosfstools do by default (Linux mounts with 437: the two differ only in
 * bytes above 0x7F) with the NT lower-case flags applied.
 */
final class DirectoryDecoder {
  static final Charset OEM = oemCharset();

  private DirectoryDecoder() {}

  /** Decodes {@code d}; the high cluster word counts only on FAT32. */
  static List<DirRecord> decode(byte[] d, boolean fat32) {
    List<DirRecord> records = new ArrayList<>();
    LfnAssembler lfn = new LfnAssembler();
    for (int pos = 0; pos + BYTES <= d.length; pos += BYTES) {
      int first = d[pos] & 0xFF;
      if (first == END) {
        break;
      }
      int attr = d[pos + ATTRIBUTES] & 0xFF;
      if (first == DELETED) {
        lfn.reset();
      } else if (attr == ATTR_LFN) {
        lfn.add(d, pos);
      } else {
        byte[] shortName = Arrays.copyOfRange(d, pos, pos + NAME_LENGTH);
        String longName = lfn.finish(shortName);
        records.add(record(d, pos, shortName, longName, fat32));
      }
    }
    return records;
  }

  private static DirRecord record(
      byte[] d, int pos, byte[] shortName, String longName, boolean fat32) {
    ByteBuffer b = ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN);
    long high = fat32 ? (b.getShort(pos + CLUSTER_HIGH) & 0xFFFFL) << 16 : 0;
    return new DirRecord(
        longName != null ? longName : shortDisplayName(shortName, d[pos + NT_FLAGS]),
        new String(shortName, StandardCharsets.ISO_8859_1),
        d[pos + ATTRIBUTES] & 0xFF,
        high | (b.getShort(pos + CLUSTER_LOW) & 0xFFFFL),
        b.getInt(pos + SIZE) & 0xFFFFFFFFL,
        b.getShort(pos + MDATE) & 0xFFFF,
        b.getShort(pos + MTIME) & 0xFFFF,
        pos / BYTES);
  }

  /** The 8.3 name as "NAME.EXT", lower-cased per part where the NT flags say so. */
  static String shortDisplayName(byte[] raw, byte ntFlags) {
    byte[] bytes = raw.clone();
    if ((bytes[0] & 0xFF) == KANJI_E5) {
      bytes[0] = (byte) DELETED; // 0xE5 is a real first character stored as 0x05
    }
    String base = new String(bytes, 0, BASE_LENGTH, OEM).stripTrailing();
    String ext = new String(bytes, BASE_LENGTH, NAME_LENGTH - BASE_LENGTH, OEM).stripTrailing();
    if ((ntFlags & NT_LOWER_BASE) != 0) {
      base = base.toLowerCase(Locale.ROOT);
    }
    if ((ntFlags & NT_LOWER_EXTENSION) != 0) {
      ext = ext.toLowerCase(Locale.ROOT);
    }
    return ext.isEmpty() ? base : base + "." + ext;
  }

  private static Charset oemCharset() {
    try {
      return Charset.forName("IBM850");
    } catch (UnsupportedCharsetException e) {
      return StandardCharsets.ISO_8859_1;
    }
  }
}
