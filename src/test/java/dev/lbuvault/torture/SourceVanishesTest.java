package dev.lbuvault.torture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.CliProcess;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.LoopDevice;
import dev.lbuvault.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 4: the source disappears while a backup reads it: the card's FAT filesystem (on a loop
 * device) is lazily unmounted, or a third of its files are deleted, at a random instant of a {@code
 * --rehash} backup. A run the fault reached must fail with exit 1 or 5 and one clear line, and
 * store nothing; a run that finished first, or started after, stores only a state the card really
 * had.
 */
class SourceVanishesTest {
  private static final int TRIALS = Torture.trials("sourceVanishes", 6, 30);

  @Test
  void theCardIsUnmountedMidRun(@TempDir Path tmp) throws Exception {
    Tools.requireRoot();
    // The card is FAT; kernels built without vfat (like this project's sandbox) get ext4.
    String fs = Files.readString(Path.of("/proc/filesystems")).contains("vfat") ? "vfat" : "ext4";
    Tools.require(fs.equals("vfat") ? "mkfs.fat" : "mkfs.ext4");
    String checked =
        "umount -l of the card's filesystem at a random instant of backup --rehash --host rpi;"
            + " exit 1 or 5 with one clean 'lbuvault:' line and no new version, or exit 0 and"
            + " 'unchanged'; verify exit 0";
    try (Torture.Scenario s =
        Torture.scenario("4. source disappears", "card unmounted (" + fs + " on loop)", checked)) {
      Path card = Cards.make(tmp.resolve("card"), "--files", "200", "--total-mb", "100");
      Path image = tmp.resolve("fat.img");
      Commands.check(null, "truncate", "-s", "160M", image.toString());
      Path mnt = Files.createDirectories(tmp.resolve("media/mmcblk0p1"));
      try (LoopDevice loop = LoopDevice.attach(image)) {
        String dev = loop.path().toString();
        if (fs.equals("vfat")) {
          Commands.check(null, "mkfs.fat", "-F", "32", dev);
        } else {
          Commands.check(null, "mkfs.ext4", "-q", "-F", dev);
        }
        Commands.check(null, "mount", dev, mnt.toString());
        try {
          Commands.check(null, "cp", "-r", "--preserve=timestamps", card + "/.", mnt.toString());
        } finally {
          Commands.check(null, "umount", mnt.toString());
        }
        Path repo = tmp.resolve("repo");
        assertThat(Cli.run("init", "--repo", repo.toString()).exitCode()).isZero();
        long runMillis;
        Commands.check(null, "mount", "-o", "ro", dev, mnt.toString());
        try {
          long start = System.nanoTime();
          Path log = tmp.resolve("first.log");
          Process p = CliProcess.start(log, List.of(), backupArgs(repo, mnt));
          assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
          assertThat(p.exitValue()).as(Torture.log(log)).isZero();
          runMillis = (System.nanoTime() - start) / 1_000_000;
        } finally {
          Commands.run(null, List.of("umount", mnt.toString()));
        }
        Random random = new Random(4);
        long[] delays = Torture.spreadDelays(TRIALS, runMillis, random);
        Map<String, Integer> outcomes = new TreeMap<>();
        for (int trial = 0; trial < TRIALS; trial++) {
          String when = "unmount trial " + trial + " at " + delays[trial] + " ms";
          List<Path> before = Torture.versions(repo, "rpi");
          Commands.check(null, "mount", "-o", "ro", dev, mnt.toString());
          Path log = tmp.resolve("unmount-" + trial + ".log");
          Process p;
          try {
            p = CliProcess.start(log, List.of(), backupArgs(repo, mnt));
            if (p.waitFor(delays[trial], TimeUnit.MILLISECONDS)) {
              outcomes.merge("finished before the unmount", 1, Integer::sum);
            }
          } finally {
            Commands.check(null, "umount", "-l", mnt.toString());
          }
          assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
          judge(p.exitValue(), Torture.log(log), when, repo, before, outcomes, List.of());
          s.trial();
        }
        // And the plainest case: the card is not mounted at all when the backup starts.
        Cli.Result notMounted = Cli.run(backupArgs(repo, mnt).toArray(String[]::new));
        judge(
            notMounted.exitCode(),
            notMounted.out() + notMounted.err(),
            "not mounted at all",
            repo,
            Torture.versions(repo, "rpi"),
            outcomes,
            List.of());
        assertThat(notMounted.exitCode()).isNotZero();
        s.note("card not mounted at start: " + notMounted.err().strip());
        s.note("outcomes " + outcomes);
        s.note("a normal run took " + runMillis + " ms");
        int failed = TRIALS - outcomes.getOrDefault("exit 0", 0);
        assertThat(failed).as("trials the unmount reached: " + outcomes).isGreaterThan(TRIALS / 3);
        Torture.assertValid(repo, "after the unmount trials");
        s.passed();
      }
    }
  }

  @Test
  void filesAreDeletedMidRun(@TempDir Path tmp) throws Exception {
    String checked =
        "a third of the card's files deleted at a random instant of backup --rehash --host rpi;"
            + " exit 1 or 5 with one clean 'lbuvault:' line and no new version, or exit 0 and the"
            + " newest version equals the card before or after the deletion (diff -r); verify exit"
            + " 0";
    try (Torture.Scenario s =
        Torture.scenario("4. source disappears", "files deleted mid-run", checked)) {
      Path pristine = Cards.make(tmp.resolve("pristine"), "--files", "200", "--total-mb", "100");
      Path repo = tmp.resolve("repo");
      assertThat(Cli.run("init", "--repo", repo.toString()).exitCode()).isZero();
      Path firstLog = tmp.resolve("first.log");
      Process first = CliProcess.start(firstLog, List.of(), backupArgs(repo, pristine));
      assertThat(first.waitFor(5, TimeUnit.MINUTES)).isTrue();
      assertThat(first.exitValue()).as(Torture.log(firstLog)).isZero();
      // The trials are later runs over a card the mirror already holds, which take less time than
      // the first backup: time one such run, so that the deletions fall inside the trials' runs.
      long start = System.nanoTime();
      Path timedLog = tmp.resolve("timed.log");
      Process timed = CliProcess.start(timedLog, List.of(), backupArgs(repo, pristine));
      assertThat(timed.waitFor(5, TimeUnit.MINUTES)).isTrue();
      assertThat(timed.exitValue()).as(Torture.log(timedLog)).isZero();
      long runMillis = (System.nanoTime() - start) / 1_000_000;
      Random random = new Random(44);
      long[] delays = Torture.spreadDelays(TRIALS, runMillis, random);
      Map<String, Integer> outcomes = new TreeMap<>();
      for (int trial = 0; trial < TRIALS; trial++) {
        String when = "delete trial " + trial + " at " + delays[trial] + " ms";
        Path card = tmp.resolve("card-" + trial);
        // Hard links: deleting from this card leaves the pristine one intact.
        Commands.check(null, "cp", "-al", pristine.toString(), card.toString());
        List<Path> files;
        try (Stream<Path> walk = Files.walk(card)) {
          files = new ArrayList<>(walk.filter(Files::isRegularFile).toList());
        }
        Collections.shuffle(files, random);
        List<Path> doomed = files.subList(0, files.size() / 3);
        List<Path> before = Torture.versions(repo, "rpi");
        Path log = tmp.resolve("delete-" + trial + ".log");
        Process p = CliProcess.start(log, List.of(), backupArgs(repo, card));
        if (p.waitFor(delays[trial], TimeUnit.MILLISECONDS)) {
          outcomes.merge("finished before the deletion", 1, Integer::sum);
        }
        for (Path f : doomed) {
          Files.delete(f);
        }
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        judge(
            p.exitValue(), Torture.log(log), when, repo, before, outcomes, List.of(pristine, card));
        s.trial();
      }
      s.note("outcomes " + outcomes);
      s.note("a normal run took " + runMillis + " ms");
      int failed = TRIALS - outcomes.getOrDefault("exit 0", 0);
      assertThat(failed).as("trials the deletion reached: " + outcomes).isGreaterThan(TRIALS / 3);
      Torture.assertValid(repo, "after the deletion trials");
      s.passed();
    }
  }

  private static List<String> backupArgs(Path repo, Path source) {
    return List.of(
        "backup",
        "--repo",
        repo.toString(),
        "--source",
        source.toString(),
        "--host",
        "rpi",
        "--rehash");
  }

  /**
   * A failure must be exit 1 or 5 with one clean line and no new version; a success must have
   * stored nothing new ({@code allowedStates} empty) or a version equal to one of them.
   */
  private static void judge(
      int exit,
      String output,
      String when,
      Path repo,
      List<Path> before,
      Map<String, Integer> outcomes,
      List<Path> allowedStates)
      throws Exception {
    List<Path> after = Torture.versions(repo, "rpi");
    outcomes.merge("exit " + exit, 1, Integer::sum);
    if (exit == 0) {
      if (after.equals(before)) {
        assertThat(output).as(when).contains("unchanged");
      } else {
        assertThat(allowedStates).as(when + ": stored a version: " + output).isNotEmpty();
        assertThat(after.size()).as(when).isEqualTo(before.size() + 1);
        Path stored = after.get(after.size() - 1).resolve("card");
        boolean matches = false;
        for (Path state : allowedStates) {
          matches |=
              Commands.run(null, List.of("diff", "-r", "-q", state.toString(), stored.toString()))
                      .exitCode()
                  == 0;
        }
        assertThat(matches)
            .as(when + ": the stored version equals the card before or after the deletion")
            .isTrue();
        Torture.assertValid(repo, when, after.get(after.size() - 1).getFileName().toString());
      }
      return;
    }
    assertThat(exit).as(when + ": " + output).isIn(1, 5);
    Torture.assertCleanMessage(output, when);
    assertThat(after).as(when + ": nothing stored: " + output).isEqualTo(before);
    String message = output.lines().filter(l -> l.startsWith("lbuvault: ")).findFirst().orElse("");
    outcomes.merge(
        "exit " + exit + ": " + message.replaceAll("\\(.*", "").replaceAll("/\\S+", "PATH"),
        1,
        Integer::sum);
  }
}
