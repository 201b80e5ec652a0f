package dev.lbuvault.retention;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code --keep-within} values. The compact form ({@code 30d}, {@code 36h}, {@code 2w3d},
 * {@code 1y2m3d4h}) mirrors restic's syntax but uses fixed-length units, y = 365 days, m = 30 days,
 * w = 7 days, d = 24 hours, h = 1 hour, because a retention window measured in exact hours gives
 * the same answer in every time zone and across DST changes. Units must appear at most once and
 * from largest to smallest, which rules out typos such as {@code 1d1d}. ISO-8601 durations that
 * {@link Duration#parse} understands ({@code P7D}, {@code PT36H}, {@code P1DT12H}) are accepted
 * too.
 */
public final class DurationParser {

  private static final Pattern COMPACT =
      Pattern.compile("(?:(\\d+)y)?(?:(\\d+)m)?(?:(\\d+)w)?(?:(\\d+)d)?(?:(\\d+)h)?");

  private static final long[] UNIT_HOURS = {365 * 24, 30 * 24, 7 * 24, 24, 1};

  private DurationParser() {}

  /**
   * Parses a compact or ISO-8601 duration.
   *
   * @throws IllegalArgumentException if the text is neither, or is negative or too large
   */
  public static Duration parse(String text) {
    if (text == null || text.isBlank()) {
      throw invalid(text);
    }
    String trimmed = text.strip();
    Duration parsed =
        trimmed.startsWith("P") || trimmed.startsWith("p") || trimmed.startsWith("-")
            ? parseIso(text, trimmed)
            : parseCompact(text, trimmed);
    if (parsed.isNegative()) {
      throw new IllegalArgumentException("invalid duration \"" + text + "\": must not be negative");
    }
    return parsed;
  }

  /**
   * Renders a duration in the compact form where that is exact ({@code 7d}, {@code 1d12h}) and in
   * ISO-8601 otherwise, so that reasons such as {@code within 7d} read like the option the user
   * typed, and {@code parse(format(d))} gives {@code d} back. Weeks, months and years are never
   * used on output because {@code 30d} is clearer than a "month" that is not a calendar month.
   */
  public static String format(Duration duration) {
    if (duration.isNegative() || duration.toSecondsPart() != 0 || duration.toMinutesPart() != 0) {
      return duration.toString();
    }
    if (duration.isZero()) {
      return "0h";
    }
    long days = duration.toDays();
    int hours = duration.toHoursPart();
    StringBuilder out = new StringBuilder();
    if (days > 0) {
      out.append(days).append('d');
    }
    if (hours > 0) {
      out.append(hours).append('h');
    }
    return out.toString();
  }

  private static Duration parseIso(String text, String trimmed) {
    try {
      return Duration.parse(trimmed.toUpperCase(Locale.ROOT));
    } catch (DateTimeParseException e) {
      throw invalid(text);
    }
  }

  private static Duration parseCompact(String text, String trimmed) {
    Matcher matcher = COMPACT.matcher(trimmed);
    if (trimmed.isEmpty() || !matcher.matches()) {
      throw invalid(text);
    }
    try {
      long hours = 0;
      for (int unit = 0; unit < UNIT_HOURS.length; unit++) {
        String digits = matcher.group(unit + 1);
        if (digits != null) {
          hours =
              Math.addExact(hours, Math.multiplyExact(Long.parseLong(digits), UNIT_HOURS[unit]));
        }
      }
      return Duration.ofHours(hours);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException("invalid duration \"" + text + "\": too large", e);
    }
  }

  private static IllegalArgumentException invalid(String text) {
    return new IllegalArgumentException(
        "invalid duration \"" + text + "\": use e.g. 7d, 36h, 2w3d or ISO-8601 P7D");
  }
}
