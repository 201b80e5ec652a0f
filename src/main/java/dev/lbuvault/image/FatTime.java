package dev.lbuvault.image;

import java.nio.file.attribute.FileTime;
import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * FAT's packed date and time, kept in UTC. FAT stores local time without a zone; we store UTC
 * because that is what Linux's vfat driver assumes when mounted without a {@code tz=} option, as an
 * Alpine card is, so the times lbu and the Pi see are the original ones. Resolution is 2 seconds
 * (rounded down) and the range 1980-01-01 to 2107-12-31; times outside are clamped to the ends.
 */
final class FatTime {
  private static final LocalDateTime MIN = LocalDateTime.of(1980, 1, 1, 0, 0, 0);
  private static final LocalDateTime MAX = LocalDateTime.of(2107, 12, 31, 23, 59, 58);
  private static final long MIN_SECONDS = MIN.toEpochSecond(ZoneOffset.UTC);
  private static final long MAX_SECONDS = MAX.toEpochSecond(ZoneOffset.UTC);

  /** The earliest time FAT can hold, used where an entry has no time of its own. */
  static final FileTime EPOCH = FileTime.fromMillis(MIN_SECONDS * 1000);

  private FatTime() {}

  /** Seconds since the Unix epoch, clamped to FAT's range and rounded down to even seconds. */
  static long clampedSeconds(FileTime time) {
    long seconds = Math.floorDiv(time.toMillis(), 1000L);
    long clamped = Math.max(MIN_SECONDS, Math.min(MAX_SECONDS, seconds));
    return clamped - Math.floorMod(clamped, 2);
  }

  /** The 16-bit FAT date of {@code time}. */
  static int date(FileTime time) {
    LocalDateTime t = LocalDateTime.ofEpochSecond(clampedSeconds(time), 0, ZoneOffset.UTC);
    return ((t.getYear() - 1980) << 9) | (t.getMonthValue() << 5) | t.getDayOfMonth();
  }

  /** The 16-bit FAT time of {@code time}. */
  static int time(FileTime time) {
    LocalDateTime t = LocalDateTime.ofEpochSecond(clampedSeconds(time), 0, ZoneOffset.UTC);
    return (t.getHour() << 11) | (t.getMinute() << 5) | (t.getSecond() / 2);
  }

  /**
   * Decodes a FAT date and time as UTC. Fields out of range (a zero date, month 13) are clamped
   * rather than rejected, because listing a card must not fail on one odd timestamp.
   */
  static FileTime decode(int date, int time) {
    int year = 1980 + ((date >> 9) & 0x7F);
    int month = clamp((date >> 5) & 0x0F, 1, 12);
    int day = clamp(date & 0x1F, 1, 31);
    int hour = clamp((time >> 11) & 0x1F, 0, 23);
    int minute = clamp((time >> 5) & 0x3F, 0, 59);
    int second = clamp((time & 0x1F) * 2, 0, 58);
    LocalDateTime t;
    try {
      t = LocalDateTime.of(year, month, day, hour, minute, second);
    } catch (DateTimeException e) {
      // e.g. February 30th: fall back to the first of the month
      t = LocalDateTime.of(year, month, 1, hour, minute, second);
    }
    return FileTime.fromMillis(t.toEpochSecond(ZoneOffset.UTC) * 1000);
  }

  private static int clamp(int v, int lo, int hi) {
    return Math.max(lo, Math.min(hi, v));
  }
}
