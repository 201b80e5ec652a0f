package dev.lbuvault.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.config.ConfigFile;
import dev.lbuvault.metrics.LbuvaultMetrics;
import dev.lbuvault.testing.BtrfsLoop;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Http;
import dev.lbuvault.testing.Promtool;
import dev.lbuvault.testing.Tools;
import dev.lbuvault.testing.Waits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's scheduled replication between two real btrfs filesystems on loop devices: versions
 * arrive as received subvolumes ({@code btrfs subvolume show} is the judge), and the replica gauges
 * follow.
 */
class DaemonReplicationBtrfsTest {
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final String SERIES = "{host=\"rpi\",target=\"offsite\"}";

  @TempDir Path tmp;

  @Test
  void replicatesEachNewVersionWithSendReceiveOnItsScheduleAndExportsTheGauges() throws Exception {
    Tools.requireRoot();
    Tools.require("mkfs.btrfs");
    try (BtrfsLoop a = BtrfsLoop.create(Files.createDirectories(tmp.resolve("a")), 512);
        BtrfsLoop b = BtrfsLoop.create(Files.createDirectories(tmp.resolve("b")), 512)) {
      Path repo = a.mountPoint().resolve("repo");
      Path offsite = b.mountPoint().resolve("offsite");
      assertThat(Cli.run("init", "--repo", repo.toString()).exitCode()).isZero();
      assertThat(Cli.run("init", "--repo", offsite.toString()).exitCode()).isZero();
      Path card = Cards.make(tmp.resolve("card"));
      List<ConfigFile.Section> sections = new ArrayList<>();
      var top =
          ConfigFile.parse(
              "test",
              List.of(
                  "repo = " + repo,
                  "source = " + card,
                  "settle = 1s",
                  "verify.schedule = off",
                  "backup.schedule = off",
                  "[replicate offsite]",
                  "to = " + offsite,
                  "schedule = */3 * * * * ?"),
              DaemonSettings.keyNames(),
              DaemonSettings.SECTION_KEYS,
              sections);
      LbuvaultMetrics metrics = new LbuvaultMetrics();
      Daemon daemon =
          new Daemon(
              DaemonSettings.parse(top, sections),
              Clock.systemDefaultZone(),
              metrics,
              metrics,
              metrics);
      daemon.start();
      try {
        Waits.until(
            WAIT,
            "the first version on the target",
            () ->
                Http.sample(metrics.scrapeOwn(), "lbuvault_replica_versions" + SERIES).orElse(0.0)
                    == 1);
        Cards.apkovl(card.resolve("rpi.apkovl.tar.gz"), "rpi", 5);
        Waits.until(
            WAIT,
            "the second version on the target",
            () ->
                Http.sample(metrics.scrapeOwn(), "lbuvault_replica_versions" + SERIES).orElse(0.0)
                    == 2);
      } finally {
        daemon.stop();
      }
      String text = metrics.scrapeOwn();
      assertThat(Http.sample(text, "lbuvault_replica_last_success_timestamp_seconds" + SERIES))
          .hasValueSatisfying(t -> assertThat(t).isGreaterThan(0));
      Promtool.assertAccepts(text, tmp);
      List<Path> sent = versions(repo);
      List<Path> received = versions(offsite);
      assertThat(received)
          .extracting(p -> p.getFileName().toString())
          .containsExactlyElementsOf(sent.stream().map(p -> p.getFileName().toString()).toList());
      for (Path v : received) {
        String show = Commands.check(null, "btrfs", "subvolume", "show", v.toString());
        assertThat(show).as(v.toString()).containsPattern("Received UUID:\\s+[0-9a-f-]{36}");
        assertThat(show).as(v.toString()).containsPattern("Flags:\\s+readonly");
      }
      Cli.Result verified = Cli.run("verify", "--repo", offsite.toString(), "--host", "rpi");
      assertThat(verified.exitCode()).as(verified.toString()).isZero();
    }
  }

  private static List<Path> versions(Path repo) throws Exception {
    try (Stream<Path> s = Files.list(repo.resolve("hosts/rpi/versions"))) {
      return s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
    }
  }
}
