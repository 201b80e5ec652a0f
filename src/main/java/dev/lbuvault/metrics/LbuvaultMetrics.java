package dev.lbuvault.metrics;

import dev.lbuvault.status.HostStatus;
import dev.lbuvault.status.ReplicaSink;
import dev.lbuvault.status.ReplicaStatus;
import dev.lbuvault.status.RunResult;
import dev.lbuvault.status.StatusSink;
import dev.lbuvault.uncommitted.UncommittedReport;
import dev.lbuvault.uncommitted.UncommittedSink;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * lbuvault's Prometheus metrics (names in {@code docs/monitoring.md}; they are an interface),
 * rendered from the newest {@link HostStatus}. Counters and the run-time summary are function
 * meters over the persisted state, so a restarted daemon or a one-shot backup continues the counts
 * instead of starting from zero. Labels are {@code host} (one value per configured source: a
 * source's meters are re-registered when its host changes), {@code result} (four values) and, for
 * the replica gauges, {@code target} (one value per configured target), so nothing grows without
 * bound. Process metrics live in a second registry that only the long-running daemon binds and that
 * the textfile leaves out: a finished process has no memory or threads to report.
 */
public final class LbuvaultMetrics implements StatusSink, UncommittedSink, ReplicaSink {
  /** The text exposition format that Prometheus, node_exporter and promtool all read. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  // One slot per source of the daemon (the one-shot backup has slot 0 only), in source order.
  private final Map<Integer, Slot> slots = new TreeMap<>();
  private PrometheusMeterRegistry process;
  // One entry per host and replication target; registered at the first status, never removed
  // (the daemon's targets are fixed at its start).
  private final Map<String, ReplicaStatus> replicas = new java.util.HashMap<>();
  private final List<Meter> uncommittedMeters = new ArrayList<>();
  private volatile UncommittedReport uncommitted;

  /**
   * Adds the daemon's process metrics (CPU, start and uptime, resident memory, threads, open
   * files), kept apart from lbuvault's own so that the textfile leaves them out.
   */
  public synchronized void bindProcessMetrics() {
    if (process == null) {
      process = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      ProcessMetrics.bindTo(process);
    }
  }

  /** One source's newest status and the meters showing it. */
  private static final class Slot {
    private volatile HostStatus status;
    private final List<Meter> meters = new ArrayList<>();
    private Meter bootReady;
  }

  @Override
  public void publish(HostStatus next) {
    publish(0, next);
  }

  /** The sink of the daemon's {@code index}-th source: its host's series beside the others'. */
  @Override
  public StatusSink forSource(int index) {
    if (index < 0) {
      throw new IllegalArgumentException("source index must be >= 0, got " + index);
    }
    return status -> publish(index, status);
  }

  private synchronized void publish(int index, HostStatus next) {
    Slot slot = slots.computeIfAbsent(index, i -> new Slot());
    HostStatus previous = slot.status;
    slot.status = next;
    if (previous == null || !previous.host().equals(next.host())) {
      register(slot, next.host());
    }
    showBootReadyWhenKnown(slot, next);
  }

  /**
   * lbuvault_boot_ready exists only while the newest version has a verdict: an unknown one (no
   * version yet, or one stored before lbuvault checked) is no series rather than a made-up 0 or 1
   * or a NaN, so LbuvaultBootNotReady neither fires nor clears on a guess.
   */
  private void showBootReadyWhenKnown(Slot slot, HostStatus next) {
    boolean known = next.repository().newestBootReady().isPresent();
    if (known && slot.bootReady == null) {
      slot.bootReady =
          Gauge.builder(
                  "lbuvault.boot.ready",
                  slot,
                  s -> s.status.repository().newestBootReady().orElse(false) ? 1 : 0)
              .description(
                  "1 when the newest version's card boots unattended, 0 when lbuvault show names"
                      + " why not (absent: unknown)")
              .tags(Tags.of("host", next.host()))
              .strongReference(true)
              .register(registry);
    } else if (!known && slot.bootReady != null) {
      registry.remove(slot.bootReady);
      slot.bootReady = null;
    }
  }

  /** Shows the newest replication status of one host on one target. */
  @Override
  public synchronized void publish(ReplicaStatus next) {
    String key = next.host() + "\u0000" + next.target();
    ReplicaStatus previous = replicas.put(key, next);
    if (previous != null) {
      return;
    }
    Tags tags = Tags.of("host", next.host(), "target", next.target());
    Gauge.builder(
            "lbuvault.replica.last.success.timestamp.seconds",
            this,
            m -> seconds(m.replica(key).lastSuccess()))
        .description(
            "End of the last replication run that sent every version the target lacked (0: never)")
        .tags(tags)
        .strongReference(true)
        .register(registry);
    Gauge.builder("lbuvault.replica.versions", this, m -> m.replica(key).versions())
        .description("The host's versions the target held after the last successful replication")
        .tags(tags)
        .strongReference(true)
        .register(registry);
    FunctionCounter.builder("lbuvault.replica.failures", this, m -> m.replica(key).failures())
        .description(
            "Replication runs that did not replicate the host (target unreachable or refused, a"
                + " version not sent)")
        .tags(tags)
        .register(registry);
  }

  private synchronized ReplicaStatus replica(String key) {
    return replicas.get(key);
  }

  /** Shows the newest uncommitted-changes report (the daemon with {@code status.root} set). */
  @Override
  public synchronized void publish(UncommittedReport report) {
    UncommittedReport previous = uncommitted;
    uncommitted = report;
    if (previous == null || !previous.host().equals(report.host())) {
      removeUncommitted();
      Tags tags = Tags.of("host", report.host());
      uncommittedGauge(
          "lbuvault.uncommitted.changes",
          "Lines lbuvault status prints: what lbu commit would save that the newest version lacks",
          tags,
          r -> r.changes().size());
      uncommittedGauge(
          "lbuvault.uncommitted.oldest.change.timestamp.seconds",
          "When the oldest uncommitted change happened (file ctime; 0: none)",
          tags,
          r -> seconds(r.oldestChange()));
    }
  }

  /** The uncommitted changes are unknown now: their meters go, rather than show stale values. */
  @Override
  public synchronized void clear(String host) {
    removeUncommitted();
    uncommitted = null;
  }

  private void removeUncommitted() {
    for (Meter m : uncommittedMeters) {
      registry.remove(m);
    }
    uncommittedMeters.clear();
  }

  private void uncommittedGauge(
      String name, String help, Tags tags, ToDoubleFunction<UncommittedReport> value) {
    uncommittedMeters.add(
        Gauge.builder(
                name,
                this,
                m -> {
                  UncommittedReport r = m.uncommitted;
                  return r == null ? Double.NaN : value.applyAsDouble(r);
                })
            .description(help)
            .tags(tags)
            .strongReference(true)
            .register(registry));
  }

  /** The status the metrics currently show for the first source, if any was published. */
  public synchronized Optional<HostStatus> status() {
    Slot first = slots.get(0);
    return Optional.ofNullable(first == null ? null : first.status);
  }

  /** Everything, for {@code /metrics}. */
  public String scrape() {
    PrometheusMeterRegistry j;
    synchronized (this) {
      j = process;
    }
    String own = registry.scrape(CONTENT_TYPE);
    return j == null ? own : own + j.scrape(CONTENT_TYPE);
  }

  /** Only lbuvault's own metrics, for the node_exporter textfile. */
  public String scrapeOwn() {
    return registry.scrape(CONTENT_TYPE);
  }

  private void register(Slot slot, String host) {
    for (Meter m : slot.meters) {
      registry.remove(m);
    }
    slot.meters.clear();
    if (slot.bootReady != null) {
      registry.remove(slot.bootReady);
      slot.bootReady = null;
    }
    Tags tags = Tags.of("host", host);
    gauge(
        slot,
        "lbuvault.backup.last.success.timestamp.seconds",
        "End of the last backup run that stored a version or found the card unchanged (0: never)",
        tags,
        s -> seconds(s.state().lastSuccess()));
    gauge(
        slot,
        "lbuvault.backup.last.attempt.timestamp.seconds",
        "End of the last backup run, whatever its result (0: never)",
        tags,
        s -> seconds(s.state().lastAttempt()));
    for (RunResult r : RunResult.values()) {
      slot.meters.add(
          FunctionCounter.builder("lbuvault.backup.runs", slot, m -> m.status.state().runs(r))
              .description("Backup runs by result (stored, unchanged, busy, failed)")
              .tags(tags.and("result", r.label()))
              .register(registry));
    }
    slot.meters.add(
        FunctionTimer.builder(
                "lbuvault.backup.duration",
                slot,
                m -> m.status.state().durationCount(),
                m -> m.status.state().durationSecondsSum(),
                TimeUnit.SECONDS)
            .description("Run time of backup runs")
            .tags(tags)
            .register(registry));
    gauge(slot, "lbuvault.versions", "Versions kept", tags, s -> s.repository().versions());
    gauge(
        slot,
        "lbuvault.versions.damaged",
        "Versions verify found damaged (they stay marked until pruned)",
        tags,
        s -> s.repository().damagedVersions());
    gauge(
        slot,
        "lbuvault.encrypted.apkovl.unverified",
        "1 when the newest version's apkovl is encrypted and was stored without its content"
            + " verified (wrong or no password file)",
        tags,
        s -> s.repository().newestApkovlUnverified() ? 1 : 0);
    gauge(
        slot,
        "lbuvault.newest.version.timestamp.seconds",
        "Time of the newest version (0: none)",
        tags,
        s -> seconds(s.repository().newest()));
    gauge(
        slot,
        "lbuvault.source.apkovl.modified.timestamp.seconds",
        "Modification time of the apkovl on the card at the last scan (0: never seen)",
        tags,
        s -> seconds(s.apkovlModified()));
    gauge(
        slot,
        "lbuvault.source.up",
        "1 when the card was readable and held an apkovl at the last scan",
        tags,
        s -> s.sourceUp() ? 1 : 0);
    gauge(
        slot,
        "lbuvault.repository.size.bytes",
        "Logical bytes of the host's versions, each file shared by several versions counted once",
        tags,
        s -> s.repository().sizeBytes());
    gauge(
        slot,
        "lbuvault.verify.last.success.timestamp.seconds",
        "End of the last verify that found no damage (0: never)",
        tags,
        s -> seconds(s.state().lastVerifySuccess()));
    gauge(
        slot,
        "lbuvault.verify.damaged.files",
        "Damaged, missing or extra files found by the last verify",
        tags,
        s -> s.state().verifyDamagedFiles());
  }

  private void gauge(
      Slot slot, String name, String help, Tags tags, ToDoubleFunction<HostStatus> value) {
    slot.meters.add(
        Gauge.builder(name, slot, s -> value.applyAsDouble(s.status))
            .description(help)
            .tags(tags)
            .strongReference(true)
            .register(registry));
  }

  private static double seconds(Optional<Instant> t) {
    return t.map(i -> i.toEpochMilli() / 1000.0).orElse(0.0);
  }
}
