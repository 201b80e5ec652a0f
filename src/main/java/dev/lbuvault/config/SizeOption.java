package dev.lbuvault.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses sizes such as {@code --size 4G}: a whole number of bytes with an optional binary suffix K,
 * M, G or T (also written KiB, MiB, GiB, TiB), as {@code truncate} and {@code dd} users expect.
 */
public final class SizeOption {
  private static final Pattern FORM = Pattern.compile("(\\d+)\\s*([KMGT]?)(?:I?B)?");

  private SizeOption() {}

  public static long parse(String text) {
    Matcher m = FORM.matcher(text == null ? "" : text.strip().toUpperCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "invalid size \"" + text + "\": use bytes or a number with K, M, G or T, e.g. 4G");
    }
    int shift =
        switch (m.group(2)) {
          case "K" -> 10;
          case "M" -> 20;
          case "G" -> 30;
          case "T" -> 40;
          default -> 0;
        };
    try {
      long n = Long.parseLong(m.group(1));
      if (n > (Long.MAX_VALUE >> shift)) {
        throw new NumberFormatException();
      }
      return n << shift;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("size \"" + text + "\" is too large", e);
    }
  }
}
