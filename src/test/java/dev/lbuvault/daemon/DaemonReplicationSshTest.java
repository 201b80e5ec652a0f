package dev.lbuvault.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.config.ConfigFile;
import dev.lbuvault.metrics.LbuvaultMetrics;
import dev.lbuvault.testing.BtrfsLoop;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.CliProcess;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Http;
import dev.lbuvault.testing.Promtool;
import dev.lbuvault.testing.Sshd;
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
 * The daemon's scheduled replication to an {@code ssh://} target: a real sshd on 127.0.0.1 whose
 * only key for the daemon is the restricted one of docs/offsite.md ({@code command="lbuvault
 * receive --restrict-path DIR",restrict}, this build's CLI as the far side), two real btrfs
 * filesystems on loop devices, and {@code btrfs subvolume show}, {@code sha256sum -c} and promtool
 * as judges. The section's own key overrides a top-level one the server does not know (with it, no
 * version would arrive). Then the server goes away: the runs fail, are counted, and change neither
 * gauge, while the daemon goes on backing up.
 */
class DaemonReplicationSshTest {
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final String SERIES = "{host=\"rpi\",target=\"friend\"}";

  @TempDir Path tmp;

  @Test
  void replicatesToAnSshTargetOnItsScheduleAndAnUnreachableOneIsACountedFailureThatKeepsTheGauges()
      throws Exception {
    Tools.requireRoot();
    Tools.require("mkfs.btrfs");
    try (BtrfsLoop a = BtrfsLoop.create(Files.createDirectories(tmp.resolve("a")), 512);
        BtrfsLoop b = BtrfsLoop.create(Files.createDirectories(tmp.resolve("b")), 512)) {
      Path repo = a.mountPoint().resolve("repo");
      Path restrict = Files.createDirectories(b.mountPoint().resolve("replica"));
      Path offsite = restrict.resolve("offsite");
      assertThat(Cli.run("init", "--repo", repo.toString()).exitCode()).isZero();
      Path card = Cards.make(tmp.resolve("card"));
      Sshd sshd = Sshd.start();
      try {
        sshd.authorizeForcedCommand(
            sshd.identity(),
            CliProcess.launcher(tmp.resolve("bin")) + " receive --restrict-path " + restrict);
        LbuvaultMetrics metrics = new LbuvaultMetrics();
        Daemon daemon =
            new Daemon(
                settings(repo, card, sshd, offsite), Clock.systemUTC(), metrics, metrics, metrics);
        daemon.start();
        try {
          // 1. Two versions cross on the schedule, the second incremental.
          Waits.until(
              WAIT,
              "the first version there",
              () -> sample(metrics, "lbuvault_replica_versions") == 1);
          Cards.apkovl(card.resolve("rpi.apkovl.tar.gz"), "rpi", 5);
          Waits.until(
              WAIT,
              "the second version there",
              () -> sample(metrics, "lbuvault_replica_versions") == 2);
          String text = metrics.scrapeOwn();
          double success = sample(metrics, "lbuvault_replica_last_success_timestamp_seconds");
          assertThat(success).isGreaterThan(0);
          assertThat(sample(metrics, "lbuvault_replica_failures_total")).isZero();
          Promtool.assertAccepts(text, tmp);
          // the target label is the section's name: no URL, user or key file in any series
          assertThat(text).doesNotContain("ssh://").doesNotContain(sshd.identity().toString());
          List<Path> sent = versions(repo);
          List<Path> received = versions(offsite);
          assertThat(received)
              .extracting(DaemonReplicationSshTest::id)
              .containsExactlyElementsOf(sent.stream().map(DaemonReplicationSshTest::id).toList());
          for (int i = 0; i < received.size(); i++) {
            assertThat(field(received.get(i), "Flags")).contains("readonly");
            assertThat(field(received.get(i), "Received UUID"))
                .isEqualTo(field(sent.get(i), "UUID"));
            Commands.check(received.get(i), "sha256sum", "--strict", "-c", "SHA256SUMS");
          }
          assertThat(sshd.log()).contains("Accepted publickey");

          // 2. The far side is gone: each run fails and is counted; the gauges keep their values.
          sshd.close();
          Cards.apkovl(card.resolve("rpi.apkovl.tar.gz"), "rpi", 6);
          Waits.until(WAIT, "the third version here", () -> versions(repo).size() == 3);
          double failures = sample(metrics, "lbuvault_replica_failures_total");
          Waits.until(
              WAIT,
              "a failed run with the third version to send",
              () -> sample(metrics, "lbuvault_replica_failures_total") > failures);
          assertThat(sample(metrics, "lbuvault_replica_versions")).isEqualTo(2);
          assertThat(sample(metrics, "lbuvault_replica_last_success_timestamp_seconds"))
              .isEqualTo(success);
          assertThat(daemon.isRunning()).isTrue();
          assertThat(versions(offsite)).hasSize(2);
          Promtool.assertAccepts(metrics.scrapeOwn(), tmp);
        } finally {
          daemon.stop();
        }
      } finally {
        if (sshd.isRunning()) {
          sshd.close();
        }
      }
    }
  }

  private static DaemonSettings settings(Path repo, Path card, Sshd sshd, Path offsite)
      throws Exception {
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
                // a key the server does not know, which the section's own key overrides; the
                // top-level options (the server's host key) serve the section, which sets none
                "ssh.identity = " + sshd.newIdentity("stranger"),
                "ssh.options = " + String.join(" ", sshd.sshOptions()),
                "[replicate friend]",
                "to = " + sshd.url(offsite.toString()),
                "ssh.identity = " + sshd.identity(),
                "schedule = */3 * * * * ?"),
            DaemonSettings.keyNames(),
            DaemonSettings.SECTION_KEYS,
            sections);
    return DaemonSettings.parse(top, sections);
  }

  private static double sample(LbuvaultMetrics metrics, String name) {
    return Http.sample(metrics.scrapeOwn(), name + SERIES).orElse(Double.NaN);
  }

  private static List<Path> versions(Path repo) throws Exception {
    Path dir = repo.resolve("hosts/rpi/versions");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
    }
  }

  private static String id(Path version) {
    return version.getFileName().toString();
  }

  private static String field(Path subvolume, String name) throws Exception {
    String show = Commands.check(null, "btrfs", "subvolume", "show", subvolume.toString());
    return show.lines()
        .map(String::strip)
        .filter(l -> l.startsWith(name + ":"))
        .map(l -> l.substring(name.length() + 1).strip())
        .findFirst()
        .orElseThrow();
  }
}
