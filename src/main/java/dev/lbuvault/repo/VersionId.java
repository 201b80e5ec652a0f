package dev.lbuvault.repo;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The name of one version: the UTC second it was taken, {@code YYYYMMDDTHHMMSSZ}, with {@code _N}
 * appended when two versions fall in the same second. Ids sort in time order.
 */
public record VersionId(String value) implements Comparable<VersionId> {
  private static final Pattern FORMAT = Pattern.compile("(\\d{8}T\\d{6}Z)(?:_(\\d{1,6}))?");
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  public VersionId {
    if (value == null || !FORMAT.matcher(value).matches()) {
      throw new IllegalArgumentException(
          "invalid version id \"" + value + "\": expected YYYYMMDDTHHMMSSZ, e.g. 20261125T030000Z");
    }
  }

  /**
   * Whether {@code text} is a well-formed id, e.g. to tell versions from other directory entries.
   */
  public static boolean isValid(String text) {
    return text != null && FORMAT.matcher(text).matches();
  }

  public static VersionId at(Instant time) {
    return new VersionId(STAMP.format(time.truncatedTo(ChronoUnit.SECONDS)));
  }

  /** The id with suffix {@code _n}, used when the plain id is already taken. */
  public VersionId withSuffix(int n) {
    return new VersionId(stamp() + "_" + n);
  }

  /** The smallest id that sorts after this one within the same second. */
  public VersionId next() {
    return withSuffix(Math.max(2, suffix() + 1));
  }

  public Instant time() {
    return STAMP.parse(stamp(), Instant::from);
  }

  private String stamp() {
    Matcher m = FORMAT.matcher(value);
    if (!m.matches()) {
      throw new IllegalStateException(value);
    }
    return m.group(1);
  }

  private int suffix() {
    Matcher m = FORMAT.matcher(value);
    if (!m.matches()) {
      throw new IllegalStateException(value);
    }
    return m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
  }

  @Override
  public int compareTo(VersionId other) {
    int byTime = stamp().compareTo(other.stamp());
    return byTime != 0 ? byTime : Integer.compare(suffix(), other.suffix());
  }

  @Override
  public String toString() {
    return value;
  }
}
