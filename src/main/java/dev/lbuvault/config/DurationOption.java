package dev.lbuvault.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses operational durations such as {@code --lock-wait 30s}: {@code s}, {@code m} (minutes),
 * {@code h} and {@code d}, combined largest first ({@code 1h30m}), or ISO-8601 ({@code PT90S}).
 * Retention's {@code --keep-within} has its own calendar units (where {@code m} is a month); see
 * {@code DurationParser}. Values are bounded by {@link #MAX}: no wait or interval lbuvault has is
 * useful beyond it, and an unbounded one would overflow {@link Duration}'s arithmetic.
 */
public final class DurationOption {
  /** The longest duration any option accepts. */
  public static final Duration MAX = Duration.ofDays(366);

  private static final Pattern FORM =
      Pattern.compile("(?:(\\d+)d)?(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?");

  private DurationOption() {}

  /**
   * Parses {@code text}, at most {@link #MAX}.
   *
   * @throws IllegalArgumentException naming the value and the accepted forms or the maximum
   */
  public static Duration parse(String text) {
    Duration d = parseUnbounded(text);
    if (d.compareTo(MAX) > 0) {
      throw tooLong(text);
    }
    return d;
  }

  private static Duration parseUnbounded(String text) {
    if (text == null || text.isBlank()) {
      throw invalid(text);
    }
    String t = text.strip();
    if (t.toUpperCase(Locale.ROOT).startsWith("P")) {
      try {
        Duration d = Duration.parse(t);
        if (d.isNegative()) {
          throw invalid(text);
        }
        return d;
      } catch (java.time.format.DateTimeParseException e) {
        throw invalid(text);
      }
    }
    Matcher m = FORM.matcher(t);
    if (!m.matches() || t.isEmpty()) {
      throw invalid(text);
    }
    long[] unitSeconds = {86_400, 3_600, 60, 1};
    long seconds = 0;
    try {
      for (int i = 0; i < unitSeconds.length; i++) {
        String digits = m.group(i + 1);
        if (digits != null) {
          seconds =
              Math.addExact(seconds, Math.multiplyExact(Long.parseLong(digits), unitSeconds[i]));
        }
      }
    } catch (NumberFormatException | ArithmeticException e) {
      throw tooLong(text);
    }
    return Duration.ofSeconds(seconds);
  }

  private static IllegalArgumentException tooLong(String text) {
    return new IllegalArgumentException(
        "invalid duration \"" + text + "\": longer than the maximum " + MAX.toDays() + "d");
  }

  private static IllegalArgumentException invalid(String text) {
    return new IllegalArgumentException(
        "invalid duration \"" + text + "\": use e.g. 30s, 5m, 1h30m, 2d or ISO-8601 PT90S");
  }
}
