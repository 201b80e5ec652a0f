package dev.lbuvault.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.metrics.LbuvaultMetrics;
import dev.lbuvault.metrics.MetricsServer;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.DaemonProcess;
import dev.lbuvault.testing.Http;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A real daemon in the test's JVM, wired as {@code DaemonRun} wires it (metrics, HTTP on a free
 * port), over a generated card and a plain repository in a temporary directory.
 */
final class DaemonHarness implements AutoCloseable {
  final Path card;
  final Path repo;
  final Map<String, String> settings = new HashMap<>();
  LbuvaultMetrics metrics;
  List<String> childCommand;
  Daemon daemon;
  MetricsServer server;

  DaemonHarness(Path tmp) throws IOException {
    card = Cards.make(tmp.resolve("card"));
    repo = tmp.resolve("repo");
    assertThat(Cli.run("init", "--repo", repo.toString(), "--backend", "plain").exitCode())
        .isZero();
    settings.put("repo", repo.toString());
    settings.put("source", card.toString());
    settings.put("settle", "1s");
    settings.put("listen", "127.0.0.1:0");
    // see DaemonProcess.NEVER for why these, not the defaults or off
    settings.put("backup.schedule", DaemonProcess.NEVER);
    settings.put("verify.schedule", DaemonProcess.NEVER);
  }

  DaemonHarness set(String key, String value) {
    settings.put(key, value);
    return this;
  }

  /** Backups run as {@code lbuvault backup} started by {@code lbuvault} (see ChildBackup). */
  DaemonHarness backupsIn(List<String> lbuvault) {
    childCommand = lbuvault;
    return this;
  }

  /**
   * A launcher stand-in in {@code dir} that appends its arguments to {@code dir/calls}, then runs
   * this build's lbuvault: for checking which work went to a child JVM.
   */
  static Path recordingLauncher(Path dir) throws IOException {
    Path script = dir.resolve("lbuvault-launcher");
    StringBuilder exec = new StringBuilder("exec");
    for (String a : ChildBackupTest.lbuvault()) {
      exec.append(" '").append(a.replace("'", "'\\''")).append('\'');
    }
    Files.writeString(
        script, "#!/bin/sh\necho \"$*\" >>'" + dir.resolve("calls") + "'\n" + exec + " \"$@\"\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return script;
  }

  /** The argument lines {@link #recordingLauncher} recorded; empty when it never ran. */
  static List<String> calls(Path dir) throws IOException {
    Path calls = dir.resolve("calls");
    return Files.exists(calls) ? Files.readAllLines(calls) : List.of();
  }

  DaemonHarness start() throws Exception {
    return start(Clock.systemDefaultZone());
  }

  DaemonHarness start(Clock clock) throws Exception {
    DaemonSettings s = DaemonSettings.parse(settings);
    metrics = new LbuvaultMetrics();
    metrics.bindProcessMetrics();
    daemon = new Daemon(s, clock, metrics, metrics);
    if (childCommand != null) {
      daemon.runBackupsIn(childCommand);
    }
    server =
        MetricsServer.start(
            new InetSocketAddress("127.0.0.1", 0), metrics::scrape, daemon::isRunning);
    daemon.start();
    return this;
  }

  String url(String path) {
    return "http://127.0.0.1:" + server.address().getPort() + path;
  }

  String scrape() throws IOException {
    return Http.get(url("/metrics")).body();
  }

  Optional<Double> sample(String name, String labels) throws IOException {
    return Http.sample(scrape(), name + "{" + labels + "}");
  }

  double value(String name, String labels) throws IOException {
    return sample(name, labels).orElse(Double.NaN);
  }

  List<Path> versions() throws IOException {
    Path dir = repo.resolve("hosts/rpi/versions");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
    }
  }

  /** Replaces the apkovl the way lbu commit does: write NAME.new, then rename it over NAME. */
  void commit(int seed) throws IOException {
    Path fresh = card.resolveSibling("fresh-" + seed + ".apkovl.tar.gz");
    Cards.apkovl(fresh, "rpi", seed);
    Path partial = card.resolve("rpi.apkovl.tar.gz.new");
    Files.copy(fresh, partial);
    Files.move(
        partial,
        card.resolve("rpi.apkovl.tar.gz"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  void stop() {
    if (daemon != null) {
      daemon.stop();
    }
    if (server != null) {
      server.close();
    }
    daemon = null;
    server = null;
  }

  @Override
  public void close() {
    stop();
  }
}
