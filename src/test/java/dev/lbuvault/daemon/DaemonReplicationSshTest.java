package dev.lbuvault.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.config.ConfigFile;
import dev.lbuvault.metrics.LbuvaultMetrics;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.CliProcess;
import dev.lbuvault.testing.Http;
import dev.lbuvault.testing.Promtool;
import dev.lbuvault.testing.Sshd;
import dev.lbuvault.testing.TwoBtrfsRepositories;
import dev.lbuvault.testing.Waits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's scheduled replication to an {@code ssh://} target: a real sshd on 127.0.0.1 whose
 * only keys for the daemon are the restricted ones of docs/offsite.md ({@code command="lbuvault
 * receive --restrict-path DIR",restrict}, this build's CLI as the far side), two real btrfs
 * filesystems on loop devices ({@link TwoBtrfsRepositories}), and {@code btrfs subvolume show},
 * {@code sha256sum -c} and promtool as judges. Each replication runs as {@code lbuvault replicate
 * --json} in a child JVM, as under the launcher. The section's own key overrides a top-level one
 * the server does not know (with it, no version would arrive). Then the server goes away: the runs
 * fail, are counted, and change neither gauge, while the daemon goes on backing up. A section's
 * {@code keep.*} rules prune the far side only where its key has {@code --allow-prune}; elsewhere
 * the refusal is a counted failure that stops no backup.
 */
class DaemonReplicationSshTest {
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final String HOST = "{host=\"" + TwoBtrfsRepositories.HOST + "\",target=\"";

  @RegisterExtension final TwoBtrfsRepositories btrfs = new TwoBtrfsRepositories();
  @TempDir Path tmp;

  @Test
  void replicatesToAnSshTargetOnItsScheduleAndAnUnreachableOneIsACountedFailureThatKeepsTheGauges()
      throws Exception {
    Sshd sshd = Sshd.start();
    try {
      sshd.authorizeForcedCommand(sshd.identity(), receive(btrfs.restrict(), false));
      LbuvaultMetrics metrics = new LbuvaultMetrics();
      Daemon daemon =
          daemon(
              metrics,
              // a key the server does not know, which the section's own key overrides; the
              // top-level options (the server's host key) serve the section, which sets none
              "ssh.identity = " + sshd.newIdentity("stranger"),
              "ssh.options = " + String.join(" ", sshd.sshOptions()),
              "[replicate friend]",
              "to = " + sshd.url(btrfs.target()),
              "ssh.identity = " + sshd.identity(),
              "schedule = */3 * * * * ?");
      try {
        // 1. Two versions cross on the schedule, the second incremental.
        Waits.until(
            WAIT,
            "the first version there",
            () -> sample(metrics, "lbuvault_replica_versions", "friend") == 1);
        commit(5);
        Waits.until(
            WAIT,
            "the second version there",
            () -> sample(metrics, "lbuvault_replica_versions", "friend") == 2);
        String text = metrics.scrapeOwn();
        double success =
            sample(metrics, "lbuvault_replica_last_success_timestamp_seconds", "friend");
        assertThat(success).isGreaterThan(0);
        assertThat(sample(metrics, "lbuvault_replica_failures_total", "friend")).isZero();
        Promtool.assertAccepts(text, tmp);
        // the target label is the section's name: no URL, user or key file in any series
        assertThat(text).doesNotContain("ssh://").doesNotContain(sshd.identity().toString());
        List<String> sent = TwoBtrfsRepositories.ids(btrfs.source());
        assertThat(TwoBtrfsRepositories.ids(btrfs.target())).isEqualTo(sent).hasSize(2);
        for (String id : sent) {
          btrfs.assertReceived(id);
        }
        assertThat(sshd.log()).contains("Accepted publickey");

        // 2. The far side is gone: each run fails and is counted; the gauges keep their values.
        sshd.close();
        commit(6);
        Waits.until(
            WAIT,
            "the third version here",
            () -> TwoBtrfsRepositories.ids(btrfs.source()).size() == 3);
        double failures = sample(metrics, "lbuvault_replica_failures_total", "friend");
        Waits.until(
            WAIT,
            "a failed run with the third version to send",
            () -> sample(metrics, "lbuvault_replica_failures_total", "friend") > failures);
        assertThat(sample(metrics, "lbuvault_replica_versions", "friend")).isEqualTo(2);
        assertThat(sample(metrics, "lbuvault_replica_last_success_timestamp_seconds", "friend"))
            .isEqualTo(success);
        assertThat(daemon.isRunning()).isTrue();
        assertThat(TwoBtrfsRepositories.ids(btrfs.target())).hasSize(2);
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

  /**
   * Two sections with {@code keep.last = 1}, to two far paths with two keys: one allowed to prune,
   * one not. The first target ends with the newest version only; the second gets every version, but
   * each run counts as failed (its prune was refused) and never as a success, while the daemon goes
   * on backing up.
   */
  @Test
  void aSectionsKeepRulesPruneTheFarSideWhereItsKeyMayAndARefusalIsACountedFailure()
      throws Exception {
    Path pruned = Files.createDirectories(btrfs.restrict().resolve("pruned"));
    Path refused = Files.createDirectories(btrfs.restrict().resolve("refused"));
    String prunedRepo = pruned.resolve("offsite").toString();
    String refusedRepo = refused.resolve("offsite").toString();
    try (Sshd sshd = Sshd.start()) {
      Path mayPrune = sshd.newIdentity("may-prune");
      sshd.authorizeForcedCommand(mayPrune, receive(pruned, true));
      sshd.authorizeForcedCommand(sshd.identity(), receive(refused, false));
      LbuvaultMetrics metrics = new LbuvaultMetrics();
      Daemon daemon =
          daemon(
              metrics,
              "ssh.options = " + String.join(" ", sshd.sshOptions()),
              "[replicate pruned]",
              "to = " + sshd.url(prunedRepo),
              "ssh.identity = " + mayPrune,
              "keep.last = 1",
              "schedule = */3 * * * * ?",
              "[replicate refused]",
              "to = " + sshd.url(refusedRepo),
              "ssh.identity = " + sshd.identity(),
              "keep.last = 1",
              "schedule = */3 * * * * ?");
      try {
        Waits.until(
            WAIT,
            "the first version on the pruned target",
            () -> sample(metrics, "lbuvault_replica_versions", "pruned") == 1);
        commit(5);
        Waits.until(
            WAIT,
            "the second version here",
            () -> TwoBtrfsRepositories.ids(btrfs.source()).size() == 2);
        String newest = TwoBtrfsRepositories.ids(btrfs.source()).get(1);
        Waits.until(
            WAIT,
            "only the newest version on the pruned target",
            () -> held(prunedRepo).equals(List.of(newest)));
        Waits.until(
            WAIT, "both versions sent to the refused target", () -> held(refusedRepo).size() == 2);
        Waits.until(
            WAIT,
            "a failed run after the second version reached the refused target",
            () -> sample(metrics, "lbuvault_replica_failures_total", "refused") >= 2);
        // a later success of the pruned target's run is a success, counted as one version there
        Waits.until(
            WAIT,
            "the pruned target's gauge at one version",
            () ->
                sample(metrics, "lbuvault_replica_versions", "pruned") == 1
                    && sample(metrics, "lbuvault_replica_last_success_timestamp_seconds", "pruned")
                        > 0);
        assertThat(sample(metrics, "lbuvault_replica_failures_total", "pruned")).isZero();
        assertThat(sample(metrics, "lbuvault_replica_last_success_timestamp_seconds", "refused"))
            .isZero();
        assertThat(
                TwoBtrfsRepositories.field(
                    TwoBtrfsRepositories.versionsDir(prunedRepo).resolve(newest), "Received UUID"))
            .isEqualTo(
                TwoBtrfsRepositories.field(
                    TwoBtrfsRepositories.versionsDir(btrfs.source()).resolve(newest), "UUID"));
        commit(6);
        Waits.until(
            WAIT,
            "a third backup despite the refused prunes",
            () -> TwoBtrfsRepositories.ids(btrfs.source()).size() == 3);
        assertThat(daemon.isRunning()).isTrue();
        Promtool.assertAccepts(metrics.scrapeOwn(), tmp);
      } finally {
        daemon.stop();
      }
    }
  }

  /** The authorized_keys forced command of docs/offsite.md, this build's CLI as the far side. */
  private String receive(Path restrict, boolean allowPrune) throws Exception {
    return CliProcess.launcher(tmp.resolve("bin"))
        + " receive --restrict-path "
        + restrict
        + (allowPrune ? " --allow-prune" : "");
  }

  /** A started daemon over the fixture's card and source, its work in child JVMs. */
  private Daemon daemon(LbuvaultMetrics metrics, String... lines) throws Exception {
    List<String> all = new ArrayList<>();
    all.add("repo = " + btrfs.source());
    all.add("source = " + btrfs.card());
    all.add("settle = 1s");
    all.add("verify.schedule = off");
    all.add("backup.schedule = off");
    all.addAll(List.of(lines));
    List<ConfigFile.Section> sections = new ArrayList<>();
    var top =
        ConfigFile.parse(
            "test", all, DaemonSettings.keyNames(), DaemonSettings.SECTION_KEYS, sections);
    Daemon daemon =
        new Daemon(
            DaemonSettings.parse(top, sections), Clock.systemUTC(), metrics, metrics, metrics);
    daemon.runBackupsIn(ChildBackupTest.lbuvault());
    daemon.start();
    return daemon;
  }

  private void commit(int seed) throws Exception {
    Cards.apkovl(
        btrfs.card().resolve(TwoBtrfsRepositories.HOST + ".apkovl.tar.gz"),
        TwoBtrfsRepositories.HOST,
        seed);
  }

  /** The versions a target holds; none before its repository exists. */
  private static List<String> held(String repo) throws Exception {
    return Files.isDirectory(TwoBtrfsRepositories.versionsDir(repo))
        ? TwoBtrfsRepositories.ids(repo)
        : List.of();
  }

  private static double sample(LbuvaultMetrics metrics, String name, String target) {
    return Http.sample(metrics.scrapeOwn(), name + HOST + target + "\"}").orElse(Double.NaN);
  }
}
