package dev.lbuvault.torture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.BtrfsLoop;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.CliProcess;
import dev.lbuvault.testing.Commands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 1: SIGKILL during {@code backup} at random instants, on btrfs and on the plain backend.
 * Each trial changes the card's apkovl, starts a real backup JVM with {@code --rehash} (so every
 * run reads the whole card), kills it at an instant drawn from JVM start to 10% past a normal run,
 * and then checks: no partial version is visible, at most one new version exists and it verifies,
 * and the next backup succeeds and stores exactly the card.
 */
class KillDuringBackupTest {
  private static final int TRIALS = Torture.trials("killBackup", 6, 60);
  private static final String CHECKED =
      "kill -9 at a random instant from JVM start to 110% of a normal run; then verify exit 0,"
          + " sha256sum -c of each new version, no .partial listed, at most one new version, the"
          + " next backup exit 0 and stores the card's apkovl; prune --keep-last 3 after every 10th"
          + " trial; at the end verify of all versions and diff -r card newest";

  @Test
  void plainBackend(@TempDir Path tmp) throws Exception {
    Path repo = tmp.resolve("repo");
    assertThat(Cli.run("init", "--repo", repo.toString(), "--backend", "plain").exitCode())
        .isZero();
    killRepeatedly(tmp, repo, "plain");
  }

  @Test
  void btrfsBackend(@TempDir Path tmp) throws Exception {
    try (BtrfsLoop btrfs = BtrfsLoop.create(tmp, 4096)) {
      Path repo = btrfs.mountPoint().resolve("repo");
      assertThat(Cli.run("init", "--repo", repo.toString()).out()).contains("backend btrfs");
      killRepeatedly(tmp, repo, "btrfs");
    }
  }

  private static void killRepeatedly(Path tmp, Path repo, String backend) throws Exception {
    try (Torture.Scenario s = Torture.scenario("1. SIGKILL during backup", backend, CHECKED)) {
      Path card = Cards.make(tmp.resolve("card"), "--files", "120", "--total-mb", "60");
      Random random = new Random(backend.hashCode() * 31L + TRIALS);
      long runMillis = timeOneRun(tmp, repo, card);
      long[] delays = Torture.spreadDelays(TRIALS, runMillis, random);
      int killedMidRun = 0;
      int publishedBeforeKill = 0;
      for (int trial = 0; trial < TRIALS; trial++) {
        Cards.apkovl(card.resolve("rpi.apkovl.tar.gz"), "rpi", 1000 + trial);
        byte[] apkovl = Files.readAllBytes(card.resolve("rpi.apkovl.tar.gz"));
        List<Path> before = Torture.versions(repo, "rpi");
        long delay = delays[trial];
        String when = backend + " trial " + trial + ", kill at " + delay + " ms";
        Path log = tmp.resolve("kill-" + trial + ".log");
        Process p =
            CliProcess.start(
                log, "backup", "--repo", repo.toString(), "--source", card.toString(), "--rehash");
        boolean killed = Torture.killAfter(p, delay);
        if (killed) {
          killedMidRun++;
        } else {
          assertThat(p.exitValue()).as(when + ": " + Torture.log(log)).isZero();
        }

        List<Path> after = Torture.versions(repo, "rpi");
        assertThat(after).as(when).containsAll(before);
        assertThat(after.size() - before.size()).as(when + ": new versions").isBetween(0, 1);
        boolean published = after.size() > before.size();
        if (published && killed) {
          publishedBeforeKill++;
        }
        String[] newIds =
            published ? new String[] {last(after).getFileName().toString()} : new String[] {"x"};
        if (published) {
          Torture.assertValid(repo, when, newIds);
          assertThat(Files.readAllBytes(last(after).resolve("card/rpi.apkovl.tar.gz")))
              .as(when + ": the published version holds the new apkovl")
              .isEqualTo(apkovl);
        }

        Cli.Result next = Cli.run("backup", "--repo", repo.toString(), "--source", card.toString());
        assertThat(next.exitCode()).as(when + ": next backup: " + next).isZero();
        assertThat(next.out())
            .as(when + ": next backup")
            .startsWith(published ? "unchanged" : "stored");
        List<Path> finalVersions = Torture.versions(repo, "rpi");
        Path newest = last(finalVersions);
        Torture.assertValid(
            repo, when + ", after the next backup", newest.getFileName().toString());
        assertThat(Files.readAllBytes(newest.resolve("card/rpi.apkovl.tar.gz")))
            .as(when + ": newest version holds the card's apkovl")
            .isEqualTo(apkovl);
        s.trial();
        if (trial % 10 == 9) {
          // --rehash rewrites every file of the mirror, so each version costs the whole card:
          // keep the repository small, which also puts prune between the kills.
          Cli.Result prune = Cli.run("prune", "--repo", repo.toString(), "--keep-last", "3");
          assertThat(prune.exitCode()).as(when + ": prune: " + prune).isZero();
          Torture.assertValid(repo, when + ", after prune");
        }
      }
      s.note(killedMidRun + " of " + TRIALS + " kills landed before the run ended");
      s.note(publishedBeforeKill + " killed after the version was published");
      s.note("a normal run took " + runMillis + " ms");
      assertThat(killedMidRun)
          .as("kills that landed before the run finished")
          .isGreaterThanOrEqualTo(TRIALS / 2);
      Torture.assertValid(repo, backend + ": at the end");
      Path newest = last(Torture.versions(repo, "rpi"));
      assertThat(
              Commands.check(
                  null, "diff", "-r", card.toString(), newest.resolve("card").toString()))
          .isEmpty();
      s.passed();
    }
  }

  private static Path last(List<Path> versions) {
    return versions.get(versions.size() - 1);
  }

  private static long timeOneRun(Path tmp, Path repo, Path card) throws Exception {
    long start = System.nanoTime();
    Path log = tmp.resolve("timed.log");
    Process p =
        CliProcess.start(
            log, "backup", "--repo", repo.toString(), "--source", card.toString(), "--rehash");
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(Torture.log(log)).isZero();
    return (System.nanoTime() - start) / 1_000_000;
  }
}
