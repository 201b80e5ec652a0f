package dev.lbuvault.text;

import java.math.BigDecimal;
import java.math.RoundingMode;

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
    // As String.format("%.1f") rounds (half up, from the shortest decimal that reads back as v),
    // without java.util.Formatter: loading it and its locale data was a few percent of an
    // unchanged card's backup, which prints one size (docs/benchmarks.md, item 9).
    return BigDecimal.valueOf(v).setScale(1, RoundingMode.HALF_UP).toPlainString() + " " + units[i];
  }
}
