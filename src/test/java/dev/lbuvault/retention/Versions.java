package dev.lbuvault.retention;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** Test shorthand: versions named the way the repository names them, times read from the name. */
final class Versions {

  private static final DateTimeFormatter ID = DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'");

  private Versions() {}

  /** {@code v("20261125T030000Z_2")} is a version taken at 2026-11-25T03:00:00Z. */
  static VersionRef v(String id) {
    String stamp = id.contains("_") ? id.substring(0, id.indexOf('_')) : id;
    return new VersionRef(id, LocalDateTime.parse(stamp, ID).toInstant(ZoneOffset.UTC));
  }

  static List<VersionRef> history(String... ids) {
    return Arrays.stream(ids).map(Versions::v).collect(Collectors.toList());
  }

  static String idOf(Instant time) {
    return ID.format(time.atOffset(ZoneOffset.UTC));
  }

  static List<String> keptIds(List<RetentionDecision> decisions) {
    return decisions.stream()
        .filter(RetentionDecision::keep)
        .map(d -> d.version().id())
        .collect(Collectors.toList());
  }

  static List<String> reasonsOf(List<RetentionDecision> decisions, String id) {
    return decisions.stream()
        .filter(d -> d.version().id().equals(id))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no decision for " + id))
        .reasons();
  }

  static RetentionPolicy last(int n) {
    return new RetentionPolicy(n, 0, 0, 0, 0, null);
  }

  static RetentionPolicy daily(int n) {
    return new RetentionPolicy(0, n, 0, 0, 0, null);
  }

  static RetentionPolicy weekly(int n) {
    return new RetentionPolicy(0, 0, n, 0, 0, null);
  }

  static RetentionPolicy monthly(int n) {
    return new RetentionPolicy(0, 0, 0, n, 0, null);
  }

  static RetentionPolicy yearly(int n) {
    return new RetentionPolicy(0, 0, 0, 0, n, null);
  }

  static RetentionPolicy within(Duration d) {
    return new RetentionPolicy(0, 0, 0, 0, 0, d);
  }
}
