package dev.lbuvault.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.BtrfsLoop;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Cli.Result;
import dev.lbuvault.testing.CliProcess;
import dev.lbuvault.testing.Commands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills real backup processes with SIGKILL at many different instants and checks after each kill
 * that no partial version is visible, verify passes, and sha256sum accepts every version. The
 * instants are spread from JVM start to past the end of a run, so kills land in scanning, copying,
 * metadata writing, snapshotting and publishing.
 */
class CrashSafetyTest {
  private static final int TRIALS = 20;

  @Test
  void killingBackupAtAnyInstantLeavesAValidPlainRepository(@TempDir Path tmp) throws Exception {
    Path repo = tmp.resolve("repo");
    assertThat(Cli.run("init", "--repo", repo.toString(), "--backend", "plain").exitCode())
        .isZero();
    killRepeatedly(tmp, repo);
  }

  @Test
  void killingBackupAtAnyInstantLeavesAValidBtrfsRepository(@TempDir Path tmp) throws Exception {
    try (BtrfsLoop btrfs = BtrfsLoop.create(tmp, 1024)) {
      Path repo = btrfs.mountPoint().resolve("repo");
      Result init = Cli.run("init", "--repo", repo.toString());
      assertThat(init.out()).contains("backend btrfs");
      killRepeatedly(tmp, repo);
    }
  }

  private void killRepeatedly(Path tmp, Path repo) throws Exception {
    Path card = Cards.make(tmp.resolve("card"), "--files", "120", "--total-mb", "60");
    Random random = new Random(20261125L);
    long fullRunMillis = timeOneRun(tmp, repo, card);
    int killedMidRun = 0;
    for (int trial = 0; trial < TRIALS; trial++) {
      Cards.apkovl(card.resolve("rpi.apkovl.tar.gz"), "rpi", 100 + trial);
      long delay = (long) (random.nextDouble() * fullRunMillis * 1.1);
      Path log = tmp.resolve("kill-" + trial + ".log");
      Process p =
          CliProcess.start(
              log, "backup", "--repo", repo.toString(), "--source", card.toString(), "--rehash");
      if (!p.waitFor(delay, TimeUnit.MILLISECONDS)) {
        p.destroyForcibly().waitFor();
        killedMidRun++;
      }
      assertRepositoryValid(repo, "after kill " + trial + " at " + delay + " ms");
    }
    assertThat(killedMidRun)
        .as("kills that landed before the run finished")
        .isGreaterThan(TRIALS / 2);
    Result after = Cli.run("backup", "--repo", repo.toString(), "--source", card.toString());
    assertThat(after.exitCode()).as(after.toString()).isZero();
    assertRepositoryValid(repo, "after the final backup");
    Path latest = versions(repo).get(versions(repo).size() - 1);
    assertThat(
            Commands.check(null, "diff", "-r", card.toString(), latest.resolve("card").toString()))
        .isEmpty();
  }

  private static long timeOneRun(Path tmp, Path repo, Path card) throws Exception {
    long start = System.nanoTime();
    Process p =
        CliProcess.start(
            tmp.resolve("timed.log"),
            "backup",
            "--repo",
            repo.toString(),
            "--source",
            card.toString(),
            "--rehash");
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(Files.readString(tmp.resolve("timed.log"))).isZero();
    return (System.nanoTime() - start) / 1_000_000;
  }

  private static void assertRepositoryValid(Path repo, String when) throws Exception {
    Result verify = Cli.run("verify", "--repo", repo.toString());
    assertThat(verify.exitCode()).as(when + ": " + verify).isZero();
    for (Path v : versions(repo)) {
      Commands.Output sums =
          Commands.run(v, List.of("sha256sum", "--quiet", "--strict", "-c", "SHA256SUMS"));
      assertThat(sums.exitCode())
          .as(when + ": sha256sum -c in " + v + ": " + sums.stdout())
          .isZero();
    }
    Result list = Cli.run("list", "--repo", repo.toString());
    assertThat(list.out()).as(when).doesNotContain(".partial").doesNotContain("unreadable");
  }

  private static List<Path> versions(Path repo) throws Exception {
    try (Stream<Path> s = Files.list(repo.resolve("hosts/rpi/versions"))) {
      return s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
    }
  }
}
