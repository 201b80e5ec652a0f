package dev.lbuvault.status;

import dev.lbuvault.json.Json;
import dev.lbuvault.json.JsonException;
import dev.lbuvault.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the daemon (and {@code backup --textfile-dir}) remembers about one host between runs, kept
 * in {@code REPO/hosts/HOST/daemon-state.json}: when the last backup ended and how, when the last
 * one succeeded, how many runs ended each way, their total run time, the last verify, and the last
 * scheduled backup time (to catch up a schedule missed while the machine was off). It exists so
 * that a restart neither resets staleness nor hides a failure: the metrics are restored from it.
 * Instants are kept to the millisecond, so a restored timestamp equals the exported one.
 *
 * <p>The backup and verify records are nested values so that recording one event rebuilds only its
 * own part; the flat accessors ({@link #lastSuccess()} and so on) read through to them.
 *
 * @param backups what the backup runs did
 * @param verifies what the last completed verify found
 * @param lastScheduledBackup the last scheduled backup time that was handled (or the time the
 *     schedule was first seen), from which a missed schedule is computed at startup
 * @param replicas what the daemon's replication did for this host, by target name (the {@code
 *     [replicate NAME]} section); absent in files written before replication, read as none
 */
public record DaemonState(
    Backups backups,
    Verifies verifies,
    Optional<Instant> lastScheduledBackup,
    Map<String, Replica> replicas) {
  /** The {@code formatVersion} this code writes and reads. */
  public static final int FORMAT_VERSION = 1;

  /**
   * The backup runs' record.
   *
   * @param lastSuccess end of the last run that stored a version or found the card unchanged
   * @param lastAttempt end of the last run, whatever its result
   * @param lastResult result of that last run
   * @param runs runs per result since the state was created; every result has an entry
   * @param durationCount runs whose duration is in {@code durationSecondsSum}
   * @param durationSecondsSum total run time of those runs
   */
  public record Backups(
      Optional<Instant> lastSuccess,
      Optional<Instant> lastAttempt,
      Optional<RunResult> lastResult,
      Map<RunResult, Long> runs,
      long durationCount,
      double durationSecondsSum) {
    public Backups {
      Objects.requireNonNull(lastSuccess, "lastSuccess");
      Objects.requireNonNull(lastAttempt, "lastAttempt");
      Objects.requireNonNull(lastResult, "lastResult");
      Map<RunResult, Long> all = new EnumMap<>(RunResult.class);
      for (RunResult r : RunResult.values()) {
        long n = runs.getOrDefault(r, 0L);
        if (n < 0) {
          throw new IllegalArgumentException("runs of " + r.label() + " must be >= 0, got " + n);
        }
        all.put(r, n);
      }
      runs = Collections.unmodifiableMap(all);
      if (durationCount < 0) {
        throw new IllegalArgumentException("durationCount must be >= 0, got " + durationCount);
      }
      if (!(durationSecondsSum >= 0) || Double.isInfinite(durationSecondsSum)) {
        throw new IllegalArgumentException(
            "durationSecondsSum must be a finite number >= 0, got " + durationSecondsSum);
      }
      lastSuccess = lastSuccess.map(DaemonState::millis);
      lastAttempt = lastAttempt.map(DaemonState::millis);
    }

    /** No run yet. */
    public static Backups none() {
      return new Backups(Optional.empty(), Optional.empty(), Optional.empty(), Map.of(), 0, 0);
    }

    Backups plus(RunResult result, Instant end, Duration elapsed) {
      Map<RunResult, Long> counts = new EnumMap<>(runs);
      counts.merge(result, 1L, Long::sum);
      return new Backups(
          result.success() ? Optional.of(end) : lastSuccess,
          Optional.of(end),
          Optional.of(result),
          counts,
          durationCount + 1,
          durationSecondsSum + Math.max(0, elapsed.toMillis()) / 1000.0);
    }
  }

  /**
   * The verify runs' record.
   *
   * @param lastVerify end of the last verify that ran to completion, damaged or not
   * @param lastVerifySuccess end of the last verify that found no damage
   * @param verifyDamagedFiles damaged, missing or extra files the last completed verify found
   */
  public record Verifies(
      Optional<Instant> lastVerify, Optional<Instant> lastVerifySuccess, long verifyDamagedFiles) {
    public Verifies {
      Objects.requireNonNull(lastVerify, "lastVerify");
      Objects.requireNonNull(lastVerifySuccess, "lastVerifySuccess");
      if (verifyDamagedFiles < 0) {
        throw new IllegalArgumentException(
            "verifyDamagedFiles must be >= 0, got " + verifyDamagedFiles);
      }
      lastVerify = lastVerify.map(DaemonState::millis);
      lastVerifySuccess = lastVerifySuccess.map(DaemonState::millis);
    }

    /** No verify yet. */
    public static Verifies none() {
      return new Verifies(Optional.empty(), Optional.empty(), 0);
    }
  }

  /**
   * One replication target's record for the host.
   *
   * @param lastSuccess end of the last replication run that sent every version the target lacked
   * @param versions how many of the host's versions the target held after that run
   * @param failures runs that did not replicate the host (target unreachable or refused, a version
   *     not sent); a counter over the daemon's life, kept across restarts
   */
  public record Replica(Optional<Instant> lastSuccess, long versions, long failures) {
    public Replica {
      Objects.requireNonNull(lastSuccess, "lastSuccess");
      if (versions < 0) {
        throw new IllegalArgumentException("versions must be >= 0, got " + versions);
      }
      if (failures < 0) {
        throw new IllegalArgumentException("failures must be >= 0, got " + failures);
      }
      lastSuccess = lastSuccess.map(DaemonState::millis);
    }

    /** A record without failures (as files written before the counter read). */
    public Replica(Optional<Instant> lastSuccess, long versions) {
      this(lastSuccess, versions, 0);
    }

    /** Never replicated. */
    public static Replica never() {
      return new Replica(Optional.empty(), 0);
    }

    /** This record after one more failed run: success and versions as they were. */
    public Replica failedOnce() {
      return new Replica(lastSuccess, versions, failures + 1);
    }
  }

  public DaemonState {
    Objects.requireNonNull(backups, "backups");
    Objects.requireNonNull(verifies, "verifies");
    Objects.requireNonNull(lastScheduledBackup, "lastScheduledBackup");
    lastScheduledBackup = lastScheduledBackup.map(DaemonState::millis);
    replicas = Collections.unmodifiableMap(new TreeMap<>(replicas));
  }

  /** The state of a host nothing has been recorded for. */
  public static DaemonState empty() {
    return new DaemonState(Backups.none(), Verifies.none(), Optional.empty(), Map.of());
  }

  /** End of the last backup run that stored a version or found the card unchanged. */
  public Optional<Instant> lastSuccess() {
    return backups.lastSuccess();
  }

  /** End of the last backup run, whatever its result. */
  public Optional<Instant> lastAttempt() {
    return backups.lastAttempt();
  }

  /** Result of the last backup run. */
  public Optional<RunResult> lastResult() {
    return backups.lastResult();
  }

  /** Backup runs per result; every result has an entry. */
  public Map<RunResult, Long> runs() {
    return backups.runs();
  }

  /** Backup runs that ended with {@code result}. */
  public long runs(RunResult result) {
    return backups.runs().get(result);
  }

  /** Backup runs whose duration is in {@link #durationSecondsSum()}. */
  public long durationCount() {
    return backups.durationCount();
  }

  /** Total run time of the counted backup runs. */
  public double durationSecondsSum() {
    return backups.durationSecondsSum();
  }

  /** End of the last verify that ran to completion. */
  public Optional<Instant> lastVerify() {
    return verifies.lastVerify();
  }

  /** End of the last verify that found no damage. */
  public Optional<Instant> lastVerifySuccess() {
    return verifies.lastVerifySuccess();
  }

  /** Damaged, missing or extra files the last completed verify found. */
  public long verifyDamagedFiles() {
    return verifies.verifyDamagedFiles();
  }

  /** This state with one more backup run that ended at {@code end} after {@code elapsed}. */
  public DaemonState withBackup(RunResult result, Instant end, Duration elapsed) {
    return new DaemonState(
        backups.plus(result, end, elapsed), verifies, lastScheduledBackup, replicas);
  }

  /** This state with a completed verify that ended at {@code end} and found {@code damaged}. */
  public DaemonState withVerify(Instant end, long damaged) {
    Verifies next =
        new Verifies(
            Optional.of(end),
            damaged == 0 ? Optional.of(end) : verifies.lastVerifySuccess(),
            damaged);
    return new DaemonState(backups, next, lastScheduledBackup, replicas);
  }

  /** This state with {@code time} as the last handled scheduled backup time. */
  public DaemonState withScheduledBackup(Instant time) {
    return new DaemonState(backups, verifies, Optional.of(time), replicas);
  }

  /** The record of target {@code name}; never replicated when there is none. */
  public Replica replica(String name) {
    return replicas.getOrDefault(name, Replica.never());
  }

  /** This state with {@code replica} as target {@code name}'s record. */
  public DaemonState withReplica(String name, Replica replica) {
    Map<String, Replica> next = new TreeMap<>(replicas);
    next.put(name, replica);
    return new DaemonState(backups, verifies, lastScheduledBackup, next);
  }

  /** The state file's text (pretty-printed JSON). */
  public String toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("formatVersion", (long) FORMAT_VERSION);
    m.put("lastSuccess", text(lastSuccess()));
    m.put("lastAttempt", text(lastAttempt()));
    m.put("lastResult", lastResult().map(RunResult::label).orElse(null));
    Map<String, Object> counts = new LinkedHashMap<>();
    for (RunResult r : RunResult.values()) {
      counts.put(r.label(), runs(r));
    }
    m.put("runs", counts);
    m.put("durationCount", durationCount());
    m.put("durationSecondsSum", durationSecondsSum());
    m.put("lastVerify", text(lastVerify()));
    m.put("lastVerifySuccess", text(lastVerifySuccess()));
    m.put("verifyDamagedFiles", verifyDamagedFiles());
    m.put("lastScheduledBackup", text(lastScheduledBackup));
    if (!replicas.isEmpty()) {
      Map<String, Object> targets = new LinkedHashMap<>();
      replicas.forEach(
          (name, r) -> {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("lastSuccess", text(r.lastSuccess()));
            t.put("versions", r.versions());
            t.put("failures", r.failures());
            targets.put(name, t);
          });
      m.put("replicas", targets);
    }
    return Json.write(m);
  }

  /**
   * Parses a state file.
   *
   * @throws JsonException naming the field that is missing or malformed
   */
  public static DaemonState fromJson(String text) throws JsonException {
    JsonObject o = JsonObject.parse(text);
    long format = o.number("formatVersion");
    if (format > FORMAT_VERSION) {
      throw new JsonException(
          "state format " + format + " is newer than this lbuvault (" + FORMAT_VERSION + ")");
    }
    Map<RunResult, Long> counts = new EnumMap<>(RunResult.class);
    JsonObject runs = o.object("runs");
    for (RunResult r : RunResult.values()) {
      counts.put(r, runs.has(r.label()) ? runs.number(r.label()) : 0L);
    }
    Optional<RunResult> last = Optional.empty();
    if (o.has("lastResult")) {
      String label = o.string("lastResult");
      last = RunResult.fromLabel(label);
      if (last.isEmpty()) {
        throw new JsonException("field \"lastResult\" has unknown value \"" + label + "\"");
      }
    }
    try {
      Backups backups =
          new Backups(
              instant(o, "lastSuccess"),
              instant(o, "lastAttempt"),
              last,
              counts,
              o.number("durationCount"),
              decimal(o, "durationSecondsSum"));
      Verifies verifies =
          new Verifies(
              instant(o, "lastVerify"),
              instant(o, "lastVerifySuccess"),
              o.number("verifyDamagedFiles"));
      return new DaemonState(backups, verifies, instant(o, "lastScheduledBackup"), replicas(o));
    } catch (IllegalArgumentException e) {
      throw new JsonException(e.getMessage(), e);
    }
  }

  private static Map<String, Replica> replicas(JsonObject o) throws JsonException {
    Map<String, Replica> out = new TreeMap<>();
    if (!o.has("replicas")) {
      return out;
    }
    JsonObject targets = o.object("replicas");
    for (String name : targets.fields().keySet()) {
      JsonObject t = targets.object(name);
      long failures = t.has("failures") ? t.number("failures") : 0; // absent before the counter
      out.put(name, new Replica(instant(t, "lastSuccess"), t.number("versions"), failures));
    }
    return out;
  }

  private static Instant millis(Instant t) {
    return t.truncatedTo(ChronoUnit.MILLIS);
  }

  private static String text(Optional<Instant> t) {
    return t.map(Instant::toString).orElse(null);
  }

  private static Optional<Instant> instant(JsonObject o, String key) throws JsonException {
    String s = o.stringOrNull(key);
    if (s == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Instant.parse(s));
    } catch (DateTimeParseException e) {
      throw new JsonException("field \"" + key + "\" is not an ISO-8601 instant: " + s, e);
    }
  }

  private static double decimal(JsonObject o, String key) throws JsonException {
    Object v = o.fields().get(key);
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    throw new JsonException("field \"" + key + "\" is missing or not a number");
  }
}
