package dev.lbuvault.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses operational durations such as {@code --lock-wait 30s}: {@code s}, {@code m} (minutes),
 * {@code h} and {@code d}, combined largest first ({@code 1h30m}), or ISO-8601 ({@code PT90S}).
 * Retention's {@code --keep-within} has its own calendar units (where {@code m} is a month); see
 * {@code DurationParser}.
 */
public final class DurationOption {
  private static final Pattern FORM =
      Pattern.compile("(?:(\\d+)d)?(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?");

  private DurationOption() {}

  public static Duration parse(String text) {
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
    Duration d = Duration.ZERO;
    d = d.plusDays(group(m, 1)).plusHours(group(m, 2)).plusMinutes(group(m, 3));
    return d.plusSeconds(group(m, 4));
  }

  private static long group(Matcher m, int i) {
    return m.group(i) == null ? 0 : Long.parseLong(m.group(i));
  }

  private static IllegalArgumentException invalid(String text) {
    return new IllegalArgumentException(
        "invalid duration \"" + text + "\": use e.g. 30s, 5m, 1h30m, 2d or ISO-8601 PT90S");
  }
}
