package dev.lbuvault.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The daemon's own process metrics, read from {@link ProcessHandle} and Linux's {@code /proc/self}
 * at each scrape: CPU time, start time and uptime, resident memory, threads and open file
 * descriptors. They replace Micrometer's JVM binders, which load about 110 JDK management classes
 * (the {@code java.lang.management} beans) that stay in an idle daemon for good (2.3 MiB of RSS
 * measured side by side, docs/monitoring.md). A gauge whose source is missing (no {@code /proc}) is
 * not registered, and one that cannot be read at a scrape shows NaN, never a made-up value.
 */
final class ProcessMetrics {
  private static final Path STATUS = Path.of("/proc/self/status");
  private static final Path FDS = Path.of("/proc/self/fd");
  private static final long KIB = 1024;

  private ProcessMetrics() {}

  static void bindTo(MeterRegistry registry) {
    ProcessHandle.Info info = ProcessHandle.current().info();
    if (info.totalCpuDuration().isPresent()) {
      FunctionCounter.builder(
              "process.cpu.seconds",
              ProcessHandle.current(),
              h -> h.info().totalCpuDuration().map(ProcessMetrics::seconds).orElse(Double.NaN))
          .description("CPU time used by the process")
          .register(registry);
    }
    info.startInstant()
        .ifPresent(
            start -> {
              Gauge.builder("process.start.time.seconds", () -> start.toEpochMilli() / 1000.0)
                  .description("Start of the process, seconds since the epoch")
                  .register(registry);
              Gauge.builder(
                      "process.uptime.seconds",
                      () -> (System.currentTimeMillis() - start.toEpochMilli()) / 1000.0)
                  .description("Time since the process started")
                  .register(registry);
            });
    if (statusField("VmRSS:").isPresent()) {
      Gauge.builder(
              "process.resident.memory.bytes",
              () -> statusField("VmRSS:").map(kib -> (double) (kib * KIB)).orElse(Double.NaN))
          .description("Resident memory of the process (VmRSS)")
          .register(registry);
      Gauge.builder(
              "process.threads",
              () -> statusField("Threads:").map(Long::doubleValue).orElse(Double.NaN))
          .description("Threads of the process, the JVM's own included")
          .register(registry);
    }
    if (Files.isDirectory(FDS)) {
      Gauge.builder("process.files.open.files", ProcessMetrics::openFiles)
          .description("Open file descriptors of the process")
          .register(registry);
    }
  }

  private static double seconds(Duration d) {
    return d.toNanos() / 1e9;
  }

  /** A number field of {@code /proc/self/status} ("VmRSS: 51800 kB" gives 51800). */
  static Optional<Long> statusField(String name) {
    try (Stream<String> lines = Files.lines(STATUS)) {
      return lines
          .filter(l -> l.startsWith(name))
          .findFirst()
          .map(l -> Long.parseLong(l.substring(name.length()).trim().split("\\s+")[0]));
    } catch (IOException | UncheckedIOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static double openFiles() {
    try (Stream<Path> fds = Files.list(FDS)) {
      return fds.count() - 1.0; // the directory stream's own descriptor
    } catch (IOException | UncheckedIOException e) {
      return Double.NaN;
    }
  }
}
