package dev.lbuvault.torture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.cli.ExitCodes;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.CliProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 8: two writers at once, as real processes started a random 0-400 ms apart: two backups,
 * and a backup with a prune, each pair once failing at once on the lock and once with {@code
 * --lock-wait}. One must wait or fail with the lock message (exit 1), never both proceed, and the
 * repository must stay valid with the card's apkovl in the newest version.
 */
class TwoWritersTest {
  private static final int TRIALS = Torture.trials("twoWriters", 1, 15);
  private static final int READER_TRIALS = Torture.trials("verifyDuringPrune", 2, 30);
  private static final String CHECKED =
      "two backups, and backup + prune --keep-last 2, started 0-400 ms apart, with and without"
          + " --lock-wait 2m; without it each exits 0 or 1 with 'locked by another lbuvault (...)'"
          + " and '--lock-wait', with it both exit 0; exactly one new version from two"
          + " backups; verify exit 0, nothing but versions listed, newest version holds the card's"
          + " apkovl";

  @TempDir Path tmp;

  @Test
  void oneWaitsOrFailsCleanlyAndTheRepositoryStaysValid() throws Exception {
    try (Torture.Scenario s = Torture.scenario("8. two writers at once", "plain", CHECKED)) {
      Path card = Cards.make(tmp.resolve("card"), "--files", "80", "--total-mb", "40");
      Path repo = tmp.resolve("repo");
      assertThat(Cli.run("init", "--repo", repo.toString(), "--backend", "plain").exitCode())
          .isZero();
      assertThat(
              Cli.run("backup", "--repo", repo.toString(), "--source", card.toString()).exitCode())
          .isZero();
      Random random = new Random(8);
      Map<String, Integer> outcomes = new TreeMap<>();
      int seed = 0;
      int holderUnknown = 0;
      for (int trial = 0; trial < TRIALS; trial++) {
        for (boolean prune : List.of(false, true)) {
          for (boolean wait : List.of(false, true)) {
            Cards.apkovl(card.resolve("rpi.apkovl.tar.gz"), "rpi", 800 + seed++);
            int before = Torture.versions(repo, "rpi").size();
            List<String> waitArgs = wait ? List.of("--lock-wait", "2m") : List.of();
            List<String> first = backup(repo, card, waitArgs);
            List<String> second = prune ? prune(repo, waitArgs) : backup(repo, card, waitArgs);
            long stagger = random.nextInt(400);
            String when =
                (prune ? "backup + prune" : "two backups")
                    + (wait ? " with --lock-wait" : "")
                    + ", trial "
                    + trial
                    + ", "
                    + stagger
                    + " ms apart";
            Path log1 = tmp.resolve("w1.log");
            Path log2 = tmp.resolve("w2.log");
            boolean secondFirst = random.nextBoolean();
            Process a = CliProcess.start(log1, List.of(), secondFirst ? second : first);
            Thread.sleep(stagger);
            Process b = CliProcess.start(log2, List.of(), secondFirst ? first : second);
            assertThat(a.waitFor(5, TimeUnit.MINUTES)).isTrue();
            assertThat(b.waitFor(5, TimeUnit.MINUTES)).isTrue();
            String out1 = Torture.log(log1);
            String out2 = Torture.log(log2);
            List<Integer> exits = List.of(a.exitValue(), b.exitValue());
            int locked = 0;
            for (int k = 0; k < 2; k++) {
              int exit = exits.get(k);
              String out = k == 0 ? out1 : out2;
              assertThat(exit).as(when + ": " + out).isIn(0, ExitCodes.FAILURE);
              if (exit == ExitCodes.FAILURE) {
                assertThat(wait).as(when + ": a waiting writer must not fail: " + out).isFalse();
                Torture.assertCleanMessage(out, when);
                assertThat(out)
                    .as(when)
                    .contains("is locked by another lbuvault (")
                    .contains("--lock-wait");
                if (out.contains("(holder unknown)")) {
                  // The holder was between taking the lock and writing its name, or releasing.
                  holderUnknown++;
                }
                locked++;
              }
            }
            assertThat(locked).as(when + ": one of the two must get the lock").isLessThan(2);
            outcomes.merge(
                (prune ? "backup+prune" : "2 backups")
                    + (wait ? " waiting" : "")
                    + (locked == 1 ? ": one failed on the lock" : ": both exit 0"),
                1,
                Integer::sum);

            Torture.assertValid(repo, when);
            List<Path> after = Torture.versions(repo, "rpi");
            if (!prune) {
              assertThat(after).as(when + ": exactly one new version").hasSize(before + 1);
              String all = out1 + out2;
              if (locked == 0) {
                assertThat(all).as(when).contains("stored version").contains("unchanged");
              }
            }
            int backupExit = secondFirst ? b.exitValue() : a.exitValue();
            if (backupExit == 0) {
              Path newest = after.get(after.size() - 1);
              assertThat(Files.readAllBytes(newest.resolve("card/rpi.apkovl.tar.gz")))
                  .as(when + ": the newest version holds the card's apkovl")
                  .isEqualTo(Files.readAllBytes(card.resolve("rpi.apkovl.tar.gz")));
            }
            s.trial();
          }
        }
      }
      s.note("outcomes " + outcomes);
      s.note(
          holderUnknown
              + " lock failures could not name the holder (it was just taking or releasing the lock)");
      s.passed();
    }
  }

  @Test
  void verifyDuringPruneSeesNoDamage() throws Exception {
    String checked =
        "verify (a reader, no lock) and prune --keep-last 1 started 0-600 ms apart over versions"
            + " that share no files; verify exits 0 (a version pruned under it is left out, not"
            + " reported as damage), prune exits 0, the repository verifies afterwards";
    try (Torture.Scenario s =
        Torture.scenario("8. two writers at once", "verify during prune", checked)) {
      Path card = Cards.make(tmp.resolve("card"), "--files", "80", "--total-mb", "40");
      Path repo = tmp.resolve("repo");
      assertThat(Cli.run("init", "--repo", repo.toString(), "--backend", "plain").exitCode())
          .isZero();
      Random random = new Random(88);
      int overlapped = 0;
      for (int trial = 0; trial < READER_TRIALS; trial++) {
        for (int k = 0; k < 3; k++) {
          Cards.apkovl(card.resolve("rpi.apkovl.tar.gz"), "rpi", 900 + trial * 3 + k);
          Cli.Result r =
              Cli.run("backup", "--repo", repo.toString(), "--source", card.toString(), "--rehash");
          assertThat(r.exitCode()).as(r.toString()).isZero();
        }
        long stagger = random.nextInt(600);
        String when = "verify + prune, trial " + trial + ", prune " + stagger + " ms later";
        Path log1 = tmp.resolve("verify.log");
        Path log2 = tmp.resolve("prune.log");
        Process verify =
            CliProcess.start(
                log1, List.of(), List.of("verify", "--repo", repo.toString(), "--threads", "1"));
        Thread.sleep(stagger);
        Process prune =
            CliProcess.start(
                log2, List.of(), List.of("prune", "--repo", repo.toString(), "--keep-last", "1"));
        assertThat(verify.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(prune.waitFor(5, TimeUnit.MINUTES)).isTrue();
        String verifyOut = Torture.log(log1);
        assertThat(verify.exitValue()).as(when + ": verify: " + verifyOut).isZero();
        assertThat(prune.exitValue()).as(when + ": prune: " + Torture.log(log2)).isZero();
        if (!verifyOut.contains("verified 4 versions")) {
          overlapped++;
        }
        Torture.assertValid(repo, when);
        s.trial();
      }
      s.note(overlapped + " of " + s.trials() + " verify runs lost versions to prune meanwhile");
      s.passed();
    }
  }

  private static List<String> backup(Path repo, Path card, List<String> extra) {
    List<String> args =
        new ArrayList<>(
            List.of("backup", "--repo", repo.toString(), "--source", card.toString(), "--rehash"));
    args.addAll(extra);
    return args;
  }

  private static List<String> prune(Path repo, List<String> extra) {
    List<String> args =
        new ArrayList<>(List.of("prune", "--repo", repo.toString(), "--keep-last", "2"));
    args.addAll(extra);
    return args;
  }
}
