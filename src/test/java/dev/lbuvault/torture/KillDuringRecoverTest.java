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
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 2: SIGKILL during {@code recover}, to an image file and to a real loop block device. A
 * killed run must leave a target without a partition table (or untouched, if the kill came before
 * the first write, or complete and good, if it came after the MBR); an image file is never found
 * incomplete at its name; a rerun with {@code --yes} succeeds, removes the killed run's temporary,
 * and {@code inspect} calls the card good.
 */
class KillDuringRecoverTest {
  private static final int TRIALS = Torture.trials("killRecover", 4, 30);
  private static final String CHECKED =
      "kill -9 at a random instant from JVM start to 110% of a normal run; then the target has no"
          + " partition table (sfdisk -J and blkid PTTYPE), or is byte-identical to before, or"
          + " inspect calls it good (an image at its name: always complete); a rerun with --yes exits 0,"
          + " leaves no temporary beside an image, and inspect exits 0";

  @TempDir Path tmp;
  Path repo;

  @BeforeEach
  void setUp() throws Exception {
    Tools.requireRoot();
    Tools.require("sfdisk");
    Tools.require("blkid");
    Path card = Cards.make(tmp.resolve("card"), "--files", "150", "--total-mb", "80");
    repo = tmp.resolve("repo");
    assertThat(Cli.run("init", "--repo", repo.toString()).exitCode()).isZero();
    Cli.Result backup = Cli.run("backup", "--repo", repo.toString(), "--source", card.toString());
    assertThat(backup.exitCode()).as(backup.toString()).isZero();
  }

  @Test
  void toAnImageFile() throws Exception {
    Path image = tmp.resolve("card.img");
    killRepeatedly("image file", image);
  }

  @Test
  void toALoopDevice() throws Exception {
    Path file = tmp.resolve("disk.img");
    Commands.check(null, "truncate", "-s", "192M", file.toString());
    try (LoopDevice loop = LoopDevice.attach(file)) {
      killRepeatedly("loop device", loop.path());
    }
  }

  private void killRepeatedly(String kind, Path target) throws Exception {
    try (Torture.Scenario s = Torture.scenario("2. SIGKILL during recover", kind, CHECKED)) {
      Random random = new Random(kind.hashCode() * 31L + TRIALS);
      long runMillis = timeOneRun(target);
      long[] delays = Torture.spreadDelays(TRIALS, runMillis, random);
      int killedMidRun = 0;
      int noTable = 0;
      int untouched = 0;
      int complete = 0;
      for (int trial = 0; trial < TRIALS; trial++) {
        String when = kind + " trial " + trial + ", kill at " + delays[trial] + " ms";
        String before = Files.exists(target) ? sha256(target) : null;
        Path log = tmp.resolve("recover-" + trial + ".log");
        Process p =
            CliProcess.start(
                log, "recover", "--repo", repo.toString(), "--to", target.toString(), "--yes");
        boolean killed = Torture.killAfter(p, delays[trial]);
        if (!killed) {
          assertThat(p.exitValue()).as(when + ": " + Torture.log(log)).isZero();
        } else {
          killedMidRun++;
          if (Files.isRegularFile(target)) {
            // An image appears only complete: whatever is at its name has a partition table.
            assertThat(hasPartitionTable(target))
                .as(when + ": an image file at the target's name must be complete")
                .isTrue();
          }
          if (!Files.exists(target) || !hasPartitionTable(target)) {
            noTable++;
          } else if (before != null && before.equals(sha256(target))) {
            untouched++;
          } else {
            Cli.Result inspect = Cli.run("inspect", target.toString());
            assertThat(inspect.exitCode())
                .as(when + ": a killed card with a partition table must be complete: " + inspect)
                .isZero();
            complete++;
          }
        }
        Cli.Result rerun =
            Cli.run("recover", "--repo", repo.toString(), "--to", target.toString(), "--yes");
        assertThat(rerun.exitCode()).as(when + ": rerun: " + rerun).isZero();
        Cli.Result inspect = Cli.run("inspect", target.toString());
        assertThat(inspect.exitCode()).as(when + ": inspect after rerun: " + inspect).isZero();
        assertThat(inspect.out()).contains("verdict     good");
        assertThat(partials(target))
            .as(when + ": the rerun removes the killed run's temporary")
            .isEmpty();
        s.trial();
        if (trial % 2 == 0) {
          // Every other trial starts from a blank target instead of the previous good card.
          wipe(target);
        }
      }
      s.note(killedMidRun + " of " + TRIALS + " kills landed before the run ended");
      s.note(
          "after the kill: "
              + noTable
              + " without partition table, "
              + untouched
              + " untouched, "
              + complete
              + " complete and good");
      s.note("a normal run took " + runMillis + " ms");
      assertThat(killedMidRun).isGreaterThanOrEqualTo(TRIALS / 2);
      assertThat(noTable).as("kills that left a card without a partition table").isPositive();
      s.passed();
    }
  }

  private long timeOneRun(Path target) throws Exception {
    long start = System.nanoTime();
    Path log = tmp.resolve("timed.log");
    Process p =
        CliProcess.start(
            log, "recover", "--repo", repo.toString(), "--to", target.toString(), "--yes");
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(Torture.log(log)).isZero();
    return (System.nanoTime() - start) / 1_000_000;
  }

  /** Temporaries an image run leaves beside its target while it writes. */
  private static List<String> partials(Path target) throws Exception {
    Path dir = target.toAbsolutePath().getParent();
    if (!Files.isRegularFile(target) || dir == null) {
      return List.of();
    }
    try (java.util.stream.Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("." + target.getFileName() + ".lbuvault-partial-"))
          .toList();
    }
  }

  /** True if sfdisk or blkid finds a partition table. */
  static boolean hasPartitionTable(Path target) throws Exception {
    Commands.Output sfdisk = Commands.run(null, List.of("sfdisk", "-J", target.toString()));
    String pttype =
        Commands.run(null, List.of("blkid", "-p", "-o", "value", "-s", "PTTYPE", target.toString()))
            .stdout()
            .strip();
    boolean bySfdisk = sfdisk.exitCode() == 0 && sfdisk.stdout().contains("partitiontable");
    return bySfdisk || !pttype.isEmpty();
  }

  private static void wipe(Path target) throws Exception {
    if (Files.isRegularFile(target)) {
      Files.delete(target);
    } else {
      Commands.check(
          null,
          "dd",
          "if=/dev/zero",
          "of=" + target,
          "bs=1M",
          "count=8",
          "conv=fsync",
          "status=none");
    }
  }

  static String sha256(Path file) throws Exception {
    return Commands.check(null, "sha256sum", file.toString()).substring(0, 64);
  }
}
