package dev.lbuvault.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.json.JsonObject;
import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.RepositoryLock;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.CliProcess;
import dev.lbuvault.testing.Http;
import dev.lbuvault.testing.OpenFiles;
import dev.lbuvault.testing.Promtool;
import dev.lbuvault.testing.Waits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lbuvault daemon} as its own process with a configuration file of several {@code [host
 * NAME]} sections: two real cards and a third host whose apkovl is garbage, one plain repository.
 * Judged by the repository's own files (versions, each host's daemon-state.json), the scraped
 * exposition, {@code promtool check metrics}, and {@code lbuvault verify} on the replication
 * target.
 */
class FleetDaemonProcessTest {
  private static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir Path tmp;

  @Test
  void backsUpEveryHostOneAtATimeExportsEachHostsSeriesFromTheStartAndReplicates()
      throws Exception {
    Path repo = tmp.resolve("repo");
    assertThat(Cli.run("init", "--repo", repo.toString(), "--backend", "plain").exitCode())
        .isZero();
    Path second = tmp.resolve("second");
    assertThat(Cli.run("init", "--repo", second.toString(), "--backend", "plain").exitCode())
        .isZero();
    Path rpi = Cards.make(tmp.resolve("card-rpi"), "--host", "rpi");
    Path pi2 = Cards.make(tmp.resolve("card-pi2"), "--host", "pi2", "--seed", "7");
    Path pi3 = Files.createDirectory(tmp.resolve("card-pi3"));
    Files.writeString(pi3.resolve("pi3.apkovl.tar.gz"), "not a gzip stream\n");
    int port = Http.freePort();
    Path conf = tmp.resolve("lbuvault.conf");
    Files.write(
        conf,
        List.of(
            "repo = " + repo,
            "listen = 127.0.0.1:" + port,
            "settle = 1s",
            "verify.schedule = off",
            "",
            "[host rpi]",
            "source = " + rpi,
            "",
            "[host pi2]",
            "source = " + pi2,
            "backup.schedule = 0 30 3 * * ?",
            "",
            "[host pi3]  # its apkovl is damaged: every backup fails",
            "source = " + pi3,
            "",
            "[replicate second]",
            "to = " + second,
            "schedule = 0 0 5 1 1 ?"));
    Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rw-------"));
    Path log = tmp.resolve("daemon.log");
    // A CLI writer holds the target while the daemon starts: the first replication (after the
    // first stored version) must wait for it, not fail.
    RepositoryLock cliWriter =
        Repository.open(second, ProcessRunner.system())
            .lock(Duration.ZERO, Clock.systemUTC(), "test: a CLI writer");
    Process daemon = CliProcess.start(log, "daemon", "--config", conf.toString());
    String metrics = "http://127.0.0.1:" + port + "/metrics";
    String rpiSecond = "{host=\"rpi\",target=\"second\"}";
    try {
      Waits.until(WAIT, "the first version of rpi", () -> versions(repo, "rpi").size() == 1);
      Waits.until(WAIT, "the daemon's /metrics", () -> Http.tryGet(metrics).isPresent());
      Waits.until(
          WAIT,
          "the first replication to wait for the target's lock",
          () -> OpenFiles.count(daemon.toHandle(), second.resolve("lock")) >= 1);
      String waiting = Http.get(metrics).body();
      assertThat(
              Http.sample(waiting, "lbuvault_replica_last_success_timestamp_seconds" + rpiSecond))
          .contains(0.0);
      assertThat(Files.readString(log)).doesNotContain("replicate (first) to second: host");
      cliWriter.close();
      cliWriter = null;
      Waits.until(
          WAIT,
          "a version of rpi and of pi2, and pi3's failed run",
          () ->
              versions(repo, "rpi").size() == 1
                  && versions(repo, "pi2").size() == 1
                  && Http.tryGet(metrics)
                      .map(
                          r ->
                              Http.sample(
                                          r.body(),
                                          "lbuvault_backup_runs_total{host=\"pi3\",result=\"failed\"}")
                                      .orElse(0.0)
                                  >= 1)
                      .orElse(false));
      Waits.until(
          WAIT,
          "rpi and pi2 replicated to second",
          () -> {
            String t = Http.get(metrics).body();
            return Http.sample(t, "lbuvault_replica_versions" + rpiSecond).orElse(0.0) == 1
                && Http.sample(t, "lbuvault_replica_versions{host=\"pi2\",target=\"second\"}")
                        .orElse(0.0)
                    == 1;
          });
      String text = Http.get(metrics).body();
      Promtool.assertAccepts(text, tmp);
      for (String host : List.of("rpi", "pi2")) {
        String series = "{host=\"" + host + "\",target=\"second\"}";
        assertThat(Http.sample(text, "lbuvault_replica_last_success_timestamp_seconds" + series))
            .as(host)
            .hasValueSatisfying(t -> assertThat(t).isGreaterThan(0));
        // the copy is a repository of its own that verify accepts, with the source's version
        Cli.Result verified = Cli.run("verify", "--repo", second.toString(), "--host", host);
        assertThat(verified.exitCode()).as(verified.toString()).isZero();
        assertThat(versions(second, host))
            .extracting(p -> p.getFileName().toString())
            .containsExactlyElementsOf(
                versions(repo, host).stream().map(p -> p.getFileName().toString()).toList());
      }
      // pi3 has nothing to replicate: its series says never, for LbuvaultReplicaStale
      assertThat(
              Http.sample(
                  text,
                  "lbuvault_replica_last_success_timestamp_seconds{host=\"pi3\",target=\"second\"}"))
          .contains(0.0);
      for (String host : List.of("rpi", "pi2")) {
        String h = "{host=\"" + host + "\"}";
        assertThat(Http.sample(text, "lbuvault_versions" + h)).as(host).contains(1.0);
        assertThat(Http.sample(text, "lbuvault_source_up" + h)).as(host).contains(1.0);
        assertThat(Http.sample(text, "lbuvault_backup_last_success_timestamp_seconds" + h))
            .as(host)
            .hasValueSatisfying(t -> assertThat(t).isGreaterThan(0));
        assertThat(
                Http.sample(
                    text, "lbuvault_backup_runs_total{host=\"" + host + "\",result=\"stored\"}"))
            .as(host)
            .contains(1.0);
      }
      // pi3 never succeeded: its series are there, with the 0 LbuvaultNeverBackedUp looks for.
      assertThat(Http.sample(text, "lbuvault_backup_last_success_timestamp_seconds{host=\"pi3\"}"))
          .contains(0.0);
      assertThat(Http.sample(text, "lbuvault_versions{host=\"pi3\"}")).contains(0.0);
      assertThat(Http.sample(text, "lbuvault_backup_last_attempt_timestamp_seconds{host=\"pi3\"}"))
          .hasValueSatisfying(t -> assertThat(t).isGreaterThan(0));
      // every lbuvault sample carries one of the three configured hosts, and nothing else
      for (String line : text.lines().filter(l -> l.startsWith("lbuvault_")).toList()) {
        assertThat(line).containsPattern("\\{host=\"(rpi|pi2|pi3)\"[,}]");
        if (line.startsWith("lbuvault_replica_")) {
          assertThat(line).contains(",target=\"second\"}");
        }
      }
      assertRunsDidNotOverlap(repo, List.of("rpi", "pi2", "pi3"));
    } finally {
      if (cliWriter != null) {
        cliWriter.close();
      }
      daemon.destroy();
      assertThat(daemon.waitFor(40, TimeUnit.SECONDS)).as(Files.readString(log)).isTrue();
    }
    assertThat(daemon.exitValue()).as(Files.readString(log)).isZero();
    String output = Files.readString(log);
    assertThat(output).contains("source " + rpi + ", host rpi", "source " + pi2 + ", host pi2");
    assertThat(output).contains("backup (startup): failed:");
    assertThat(output).contains("replicate (first) to second: host rpi: sent 1 version(s)");
    assertThat(output).doesNotContain("replicate (first) to second: host rpi not replicated");
  }

  /**
   * Each host ran exactly one backup; its state file says when it ended and how long it took, so
   * the three runs' time spans must not overlap if they ran one at a time.
   */
  private static void assertRunsDidNotOverlap(Path repo, List<String> hosts) throws Exception {
    List<Instant[]> spans = new ArrayList<>();
    for (String host : hosts) {
      JsonObject state =
          JsonObject.parse(Files.readString(repo.resolve("hosts/" + host + "/daemon-state.json")));
      assertThat(state.number("durationCount")).as(host).isEqualTo(1);
      Instant end = Instant.parse(state.string("lastAttempt"));
      Object sum = state.fields().get("durationSecondsSum");
      long millis = Math.round(((Number) sum).doubleValue() * 1000);
      spans.add(new Instant[] {end.minusMillis(millis), end});
    }
    for (int i = 0; i < spans.size(); i++) {
      for (int j = i + 1; j < spans.size(); j++) {
        Instant[] a = spans.get(i);
        Instant[] b = spans.get(j);
        boolean disjoint = !a[0].isBefore(b[1]) || !b[0].isBefore(a[1]);
        assertThat(disjoint)
            .as(
                "runs of %s (%s..%s) and %s (%s..%s)",
                hosts.get(i), a[0], a[1], hosts.get(j), b[0], b[1])
            .isTrue();
      }
    }
  }

  private static List<Path> versions(Path repo, String host) throws Exception {
    Path dir = repo.resolve("hosts/" + host + "/versions");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> !p.getFileName().toString().startsWith(".")).toList();
    }
  }
}
