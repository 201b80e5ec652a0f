package dev.lbuvault.text;

import java.util.Locale;

/**
 * Sizes for people: {@code 512 B}, {@code 4.0 MiB}; the CLI's and the daemon's log lines use it.
 */
public final class ByteSizes {
  private ByteSizes() {}

  public static String human(long n) {
    if (n < 1024) {
      return n + " B";
    }
    double v = n;
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    int i = -1;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[i]);
  }
}
