package dev.lbuvault.cli;

import java.util.Locale;

/** Human-readable renderings of sizes for the CLI's tables and messages. */
final class Formats {
  private Formats() {}

  static String bytes(long n) {
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
