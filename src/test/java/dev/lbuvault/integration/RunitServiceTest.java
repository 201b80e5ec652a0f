package dev.lbuvault.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Http;
import dev.lbuvault.testing.Leftovers;
import dev.lbuvault.testing.Tools;
import dev.lbuvault.testing.Waits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon under real runit: runsv starts it from a service directory whose run script execs it
 * (and whose log service is svlogd), a commit is picked up through the watch, {@code sv term} stops
 * it with exit 0 and nothing left behind, and {@code sv restart} brings it back with its metrics
 * restored.
 */
class RunitServiceTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path tmp;

  @Test
  void runsvSupervisesTheDaemon() throws Exception {
    Path runsv = Tools.require("runsv");
    Path sv = Tools.require("sv");
    Path svlogd = Tools.require("svlogd");
    Path card = Cards.make(tmp.resolve("card"));
    Path repo = tmp.resolve("repo");
    assertThat(Cli.run("init", "--repo", repo.toString(), "--backend", "plain").exitCode())
        .isZero();
    int port = Http.freePort();
    String base = "http://127.0.0.1:" + port;

    Path service = Files.createDirectories(tmp.resolve("service/lbuvault"));
    Path logDir = Files.createDirectories(tmp.resolve("log"));
    Path exits = tmp.resolve("exits");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    script(
        service.resolve("run"),
        "exec 2>&1",
        "exec "
            + java
            + " -XX:TieredStopAtLevel=1 -cp '"
            + System.getProperty("java.class.path")
            + "' dev.lbuvault.cli.Start daemon --repo "
            + repo
            + " --source "
            + card
            + " --listen 127.0.0.1:"
            + port
            + " --settle 1s --rescan 1h");
    // runit runs ./finish with the run script's exit code and wait status.
    script(service.resolve("finish"), "echo \"$1 $2\" >> " + exits);
    Files.createDirectories(service.resolve("log"));
    script(service.resolve("log/run"), "exec " + svlogd + " " + logDir);

    Process supervisor =
        new ProcessBuilder(runsv.toString(), service.toString())
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("runsv.out").toFile())
            .start();
    try {
      Waits.until(
          WAIT,
          "/healthz",
          () -> Http.tryGet(base + "/healthz").map(r -> r.status() == 200).orElse(false));
      assertThat(status(sv, service)).startsWith("run: ");
      Waits.until(WAIT, "the first version", () -> versions(repo).size() == 1);

      // lbu commit: the new apkovl is written as NAME.new, then renamed over NAME.
      Path fresh = Cards.apkovl(tmp.resolve("fresh.apkovl.tar.gz"), "rpi", 77);
      Files.copy(fresh, card.resolve("rpi.apkovl.tar.gz.new"));
      Files.move(
          card.resolve("rpi.apkovl.tar.gz.new"),
          card.resolve("rpi.apkovl.tar.gz"),
          StandardCopyOption.REPLACE_EXISTING);
      Waits.until(WAIT, "a version made from the commit", () -> versions(repo).size() == 2);
      Waits.until(WAIT, "its metrics", () -> stored(base) == 2);
      double success = sample(base, "lbuvault_backup_last_success_timestamp_seconds{host=\"rpi\"}");

      Commands.check(null, sv.toString(), "once", service.toString()); // no restart after it ends
      Commands.check(null, sv.toString(), "term", service.toString());
      Waits.until(
          Duration.ofSeconds(30),
          "the daemon to stop",
          () -> status(sv, service).startsWith("down: "));
      Waits.until(Duration.ofSeconds(5), "./finish", () -> Files.exists(exits));
      assertThat(Files.readAllLines(exits)).last().asString().startsWith("0 ");
      assertThat(Leftovers.lockFree(repo)).isTrue();
      assertThat(Leftovers.tempEntries(repo)).isEmpty();
      assertThat(Http.tryGet(base + "/healthz")).isEmpty();

      Commands.check(null, sv.toString(), "up", service.toString());
      Waits.until(
          WAIT,
          "/healthz after sv up",
          () -> Http.tryGet(base + "/healthz").map(r -> r.status() == 200).orElse(false));
      String pid = pid(sv, service);
      Commands.check(null, sv.toString(), "restart", service.toString());
      Waits.until(WAIT, "a new process", () -> !pid(sv, service).equals(pid));
      Waits.until(
          WAIT,
          "/healthz after sv restart",
          () -> Http.tryGet(base + "/healthz").map(r -> r.status() == 200).orElse(false));
      assertThat(sample(base, "lbuvault_backup_last_success_timestamp_seconds{host=\"rpi\"}"))
          .isEqualTo(success);
      assertThat(stored(base)).isEqualTo(2);
      assertThat(sample(base, "lbuvault_versions{host=\"rpi\"}")).isEqualTo(2);
    } finally {
      Commands.run(null, List.of(sv.toString(), "-w", "30", "down", service.toString()));
      Commands.run(null, List.of(sv.toString(), "exit", service.toString()));
      if (!supervisor.waitFor(30, TimeUnit.SECONDS)) {
        supervisor.destroyForcibly();
      }
    }
    assertThat(Files.readAllLines(exits)).allSatisfy(l -> assertThat(l).startsWith("0 "));
    String log = Files.readString(logDir.resolve("current"));
    assertThat(log).contains("backup (change): stored version", "stopping", "stopped");
    for (String line : log.lines().toList()) {
      assertThat(line).as("one line per event").matches("^20\\d\\d-\\d\\d-\\d\\dT.*");
    }
  }

  /**
   * The shipped run script, with lbuvault on an array that is not mounted yet: it waits (saying so
   * in the log, with a timestamp like every other line), and starts the daemon once the array is
   * mounted (a real bind mount) and the launcher appears.
   */
  @Test
  void theShippedRunScriptWaitsForTheArrayThenStartsTheDaemon() throws Exception {
    Tools.requireRoot();
    Path runsv = Tools.require("runsv");
    Path sv = Tools.require("sv");
    Path svlogd = Tools.require("svlogd");
    Path card = Cards.make(tmp.resolve("card"));
    Path repo = tmp.resolve("repo");
    assertThat(Cli.run("init", "--repo", repo.toString(), "--backend", "plain").exitCode())
        .isZero();
    int port = Http.freePort();
    String base = "http://127.0.0.1:" + port;

    // What the array will hold once mounted: a launcher that runs this build's daemon.
    Path arrayContent = Files.createDirectories(tmp.resolve("array-content/bin"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    script(
        arrayContent.resolve("lbuvault"),
        "exec "
            + java
            + " -XX:TieredStopAtLevel=1 -cp '"
            + System.getProperty("java.class.path")
            + "' dev.lbuvault.cli.Start \"$@\" --repo "
            + repo
            + " --source "
            + card
            + " --listen 127.0.0.1:"
            + port
            + " --settle 1s --rescan 1h");
    Path mountPoint = Files.createDirectories(tmp.resolve("array"));
    Path launcher = mountPoint.resolve("bin/lbuvault");

    Path service = Files.createDirectories(tmp.resolve("service/lbuvault"));
    Path logDir = Files.createDirectories(tmp.resolve("log"));
    String shipped = Files.readString(Path.of("scripts/runit/lbuvault/run"));
    Files.writeString(
        service.resolve("run"), shipped.replaceFirst("(?m)^launcher=.*$", "launcher=" + launcher));
    Files.setPosixFilePermissions(
        service.resolve("run"), PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.createDirectories(service.resolve("log"));
    script(service.resolve("log/run"), "exec " + svlogd + " " + logDir);

    ProcessBuilder pb =
        new ProcessBuilder(runsv.toString(), service.toString())
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("runsv.out").toFile());
    pb.environment().put("LBUVAULT_WAIT_POLL", "1");
    Process supervisor = pb.start();
    boolean mounted = false;
    try {
      Waits.until(WAIT, "the waiting line", () -> log(logDir).contains("waiting for " + launcher));
      Thread.sleep(2000); // several polls: still waiting, nothing started
      assertThat(Http.tryGet(base + "/healthz")).isEmpty();
      assertThat(log(logDir).lines().filter(l -> l.contains("waiting for")).count()).isEqualTo(1);

      Commands.check(
          null, "mount", "--bind", arrayContent.getParent().toString(), mountPoint.toString());
      mounted = true;
      Waits.until(
          WAIT,
          "/healthz once the array is mounted",
          () -> Http.tryGet(base + "/healthz").map(r -> r.status() == 200).orElse(false));
      Waits.until(WAIT, "the first version", () -> versions(repo).size() == 1);
    } finally {
      Commands.run(null, List.of(sv.toString(), "-w", "30", "down", service.toString()));
      Commands.run(null, List.of(sv.toString(), "exit", service.toString()));
      if (!supervisor.waitFor(30, TimeUnit.SECONDS)) {
        supervisor.destroyForcibly();
      }
      if (mounted) {
        Commands.check(null, "umount", mountPoint.toString());
      }
    }
    String log = log(logDir);
    assertThat(log).contains(launcher + " is there now: starting the daemon", "stopped");
    for (String line : log.lines().toList()) {
      assertThat(line).as("one line per event").matches("^20\\d\\d-\\d\\d-\\d\\dT.*");
    }
  }

  private static String log(Path logDir) throws Exception {
    Path current = logDir.resolve("current");
    return Files.exists(current) ? Files.readString(current) : "";
  }

  private static void script(Path file, String... lines) throws Exception {
    Files.writeString(file, "#!/bin/sh\n" + String.join("\n", lines) + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private static String status(Path sv, Path service) throws Exception {
    return Commands.run(null, List.of(sv.toString(), "status", service.toString())).stdout();
  }

  private static String pid(Path sv, Path service) throws Exception {
    String s = status(sv, service);
    return s.startsWith("run: ") ? s.replaceAll("^run: [^(]*\\(pid (\\d+)\\).*\\s*$", "$1") : "";
  }

  private static double sample(String base, String series) throws Exception {
    return Http.sample(Http.get(base + "/metrics").body(), series).orElse(Double.NaN);
  }

  private static double stored(String base) throws Exception {
    return sample(base, "lbuvault_backup_runs_total{host=\"rpi\",result=\"stored\"}");
  }

  private static List<Path> versions(Path repo) throws Exception {
    Path dir = repo.resolve("hosts/rpi/versions");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> !p.getFileName().toString().startsWith(".")).toList();
    }
  }
}
