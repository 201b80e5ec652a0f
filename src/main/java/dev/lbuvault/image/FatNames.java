package dev.lbuvault.image;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * FAT's naming rules: which long names are legal, when two names are "the same" to FAT (case is
 * ignored), and the 8.3 short names and VFAT long-name (LFN) entries stored for them. Short names
 * follow the basis-name and numeric-tail scheme of Microsoft's fatgen103 ({@code LONGFI~1.TXT},
 * then fewer basis characters from {@code ~10}); mtools, fsck.fat and Linux only require that they
 * are valid and unique in their directory.
 */
final class FatNames {
  static final int MAX_NAME_UNITS = 255;
  static final int MAX_NAME_UTF8_BYTES = 255;
  static final int SHORT_NAME_BYTES = 11;
  static final int LFN_UNITS_PER_ENTRY = 13;

  private static final String FORBIDDEN = "\"*/:<>?\\|";
  private static final String SHORT_SPECIALS = "$%'-_@~`!(){}^#&";

  private FatNames() {}

  /** The rule {@code name} breaks as a FAT long name, or null if it is a legal one. */
  static String violation(String name) {
    if (name.isEmpty()) {
      return "empty path component (a leading, doubled or trailing '/')";
    }
    if (name.equals(".") || name.equals("..")) {
      return "\"" + name + "\" cannot be a name";
    }
    if (name.length() > MAX_NAME_UNITS) {
      return "name \""
          + name
          + "\" is "
          + name.length()
          + " UTF-16 units long; a FAT long name holds at most "
          + MAX_NAME_UNITS;
    }
    int utf8 = name.getBytes(StandardCharsets.UTF_8).length;
    if (utf8 > MAX_NAME_UTF8_BYTES) {
      // FAT would hold it, but Linux (the Pi, and any reader on Linux) could not name the file:
      // its NAME_MAX is 255 bytes, and vfat with utf8 hands names out as UTF-8
      return "name \""
          + name
          + "\" is "
          + utf8
          + " bytes in UTF-8; Linux cannot open a name longer than "
          + MAX_NAME_UTF8_BYTES;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < 0x20) {
        return String.format(
            Locale.ROOT, "name contains control character U+%04X, which FAT forbids", (int) c);
      }
      if (FORBIDDEN.indexOf(c) >= 0) {
        return "name contains '" + c + "'; FAT names cannot contain any of " + FORBIDDEN;
      }
      if (Character.isHighSurrogate(c)
          && (i + 1 == name.length() || !Character.isLowSurrogate(name.charAt(i + 1)))) {
        return "name contains an unpaired UTF-16 surrogate";
      }
      if (Character.isLowSurrogate(c)
          && (i == 0 || !Character.isHighSurrogate(name.charAt(i - 1)))) {
        return "name contains an unpaired UTF-16 surrogate";
      }
    }
    char last = name.charAt(name.length() - 1);
    if (last == '.' || last == ' ') {
      // Windows and Linux's vfat strip trailing dots (Windows also spaces) from names, so such a
      // file could not be opened under the name it was stored with.
      return "name ends with a " + (last == '.' ? "dot" : "space") + ", which FAT drivers strip";
    }
    return null;
  }

  /**
   * The key under which FAT considers two names equal: case is folded per code point, as the
   * Windows and Linux upcase tables do (without locale-specific expansions such as ß to SS).
   */
  static String caseKey(String name) {
    StringBuilder key = new StringBuilder(name.length());
    name.codePoints().forEach(cp -> key.appendCodePoint(Character.toUpperCase(cp)));
    return key.toString();
  }

  /** The checksum of an 11-byte short name that every LFN entry of that name carries. */
  static int checksum(byte[] shortName) {
    int sum = 0;
    for (int i = 0; i < SHORT_NAME_BYTES; i++) {
      sum = (((sum & 1) << 7) + ((sum & 0xFF) >> 1) + (shortName[i] & 0xFF)) & 0xFF;
    }
    return sum;
  }

  /** How many 32-byte LFN entries {@code name} needs. */
  static int lfnEntries(String name) {
    return (name.length() + LFN_UNITS_PER_ENTRY - 1) / LFN_UNITS_PER_ENTRY;
  }

  /**
   * Writes the LFN entries of {@code name} into {@code out} at {@code offset}, in on-disk order
   * (highest sequence number, flagged 0x40, first), and returns the offset after them.
   */
  static int putLfnEntries(byte[] out, int offset, String name, byte[] shortName) {
    int count = lfnEntries(name);
    int sum = checksum(shortName);
    int pos = offset;
    for (int seq = count; seq >= 1; seq--) {
      out[pos] = (byte) (seq | (seq == count ? 0x40 : 0));
      out[pos + 11] = 0x0F; // attribute: read-only|hidden|system|volume = LFN
      out[pos + 12] = 0;
      out[pos + 13] = (byte) sum;
      // out[pos + 26..27], the first cluster, stays 0
      int base = (seq - 1) * LFN_UNITS_PER_ENTRY;
      for (int k = 0; k < LFN_UNITS_PER_ENTRY; k++) {
        int unit;
        int i = base + k;
        if (i < name.length()) {
          unit = name.charAt(i);
        } else if (i == name.length()) {
          unit = 0x0000; // terminator, present only if the name does not fill the last entry
        } else {
          unit = 0xFFFF; // padding
        }
        int at = pos + lfnUnitOffset(k);
        out[at] = (byte) unit;
        out[at + 1] = (byte) (unit >> 8);
      }
      pos += 32;
    }
    return pos;
  }

  /** Offset inside an LFN entry of its k-th UTF-16 unit: 5 at 1, 6 at 14, 2 at 28. */
  static int lfnUnitOffset(int k) {
    if (k < 5) {
      return 1 + 2 * k;
    } else if (k < 11) {
      return 14 + 2 * (k - 5);
    }
    return 28 + 2 * (k - 11);
  }

  /** A name's 8.3 form before uniqueness is sorted out. */
  record Basis(String primary, String extension, boolean exact) {
    byte[] bytes() {
      return pad(primary, extension);
    }
  }

  /**
   * The basis name of fatgen103: upper case, spaces and leading dots dropped, characters that are
   * not valid in a short name replaced by '_', the extension taken after the last dot, primary and
   * extension truncated to 8 and 3. It is exact when nothing was lost or truncated, so the short
   * name alone reproduces the long name but for case.
   */
  static Basis basis(String name) {
    String s = name.replace(" ", "");
    int lead = 0;
    while (lead < s.length() && s.charAt(lead) == '.') {
      lead++;
    }
    s = s.substring(lead);
    int dot = s.lastIndexOf('.');
    String primarySource = dot >= 0 ? s.substring(0, dot).replace(".", "") : s;
    String extensionSource = dot >= 0 ? s.substring(dot + 1) : "";
    boolean[] lossy = new boolean[1];
    String primary = shortChars(primarySource, lossy);
    String extension = shortChars(extensionSource, lossy);
    if (primary.isEmpty()) {
      primary = "_";
      lossy[0] = true;
    }
    boolean fits = primary.length() <= 8 && extension.length() <= 3;
    String shortForm = extension.isEmpty() ? primary : primary + "." + extension;
    boolean exact = fits && !lossy[0] && shortForm.equals(name.toUpperCase(Locale.ROOT));
    return new Basis(
        primary.substring(0, Math.min(8, primary.length())),
        extension.substring(0, Math.min(3, extension.length())),
        exact);
  }

  private static String shortChars(String source, boolean[] lossy) {
    StringBuilder out = new StringBuilder();
    source
        .codePoints()
        .forEach(
            cp -> {
              if (cp < 0x80 && Character.isLetterOrDigit(cp)) {
                out.append(Character.toUpperCase((char) cp));
              } else if (cp < 0x80 && SHORT_SPECIALS.indexOf(cp) >= 0) {
                out.append((char) cp);
              } else {
                // non-ASCII would depend on the reader's OEM code page; "+,;=[]" are forbidden
                out.append('_');
                lossy[0] = true;
              }
            });
    return out.toString();
  }

  /** Whether {@code name} needs LFN entries: whenever its short name is not exactly the name. */
  static boolean needsLfn(String name, Basis basis) {
    String shortForm =
        basis.extension().isEmpty() ? basis.primary() : basis.primary() + "." + basis.extension();
    return !(basis.exact() && shortForm.equals(name));
  }

  /**
   * Assigns unique short names to the names of one directory, returned in the same order. Exact
   * basis names are claimed first so that a real file called {@code LONGFI~1.TXT} keeps its name
   * and a generated one steps around it.
   */
  static List<byte[]> assignShortNames(List<String> names) {
    Basis[] bases = new Basis[names.size()];
    byte[][] result = new byte[names.size()][];
    Set<String> used = new HashSet<>();
    for (int i = 0; i < names.size(); i++) {
      bases[i] = basis(names.get(i));
      if (bases[i].exact()) {
        result[i] = bases[i].bytes();
        used.add(new String(result[i], StandardCharsets.US_ASCII));
      }
    }
    Map<String, Integer> nextTail = new HashMap<>();
    for (int i = 0; i < names.size(); i++) {
      if (result[i] != null) {
        continue;
      }
      Basis b = bases[i];
      String key = b.primary() + "." + b.extension();
      int n = nextTail.getOrDefault(key, 1);
      while (true) {
        String tail = "~" + n;
        String primary =
            b.primary().substring(0, Math.min(b.primary().length(), 8 - tail.length()));
        byte[] candidate = pad(primary + tail, b.extension());
        n++;
        if (used.add(new String(candidate, StandardCharsets.US_ASCII))) {
          result[i] = candidate;
          break;
        }
      }
      nextTail.put(key, n);
    }
    return List.of(result);
  }

  private static byte[] pad(String primary, String extension) {
    byte[] out = new byte[SHORT_NAME_BYTES];
    java.util.Arrays.fill(out, (byte) ' ');
    byte[] p = primary.getBytes(StandardCharsets.US_ASCII);
    byte[] e = extension.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(p, 0, out, 0, p.length);
    System.arraycopy(e, 0, out, 8, e.length);
    return out;
  }
}
