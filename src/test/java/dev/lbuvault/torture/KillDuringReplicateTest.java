package dev.lbuvault.torture;

import static dev.lbuvault.testing.TwoBtrfsRepositories.field;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.BtrfsLoop;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.CliProcess;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Leftovers;
import dev.lbuvault.testing.Sshd;
import dev.lbuvault.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 16: SIGKILL during {@code replicate --keep-last 3} at random instants, from a btrfs
 * repository into a btrfs target (send | receive), into a plain one (tree copy), and over ssh into
 * a btrfs one (a real sshd, the far side a restricted {@code lbuvault receive}; without --keep,
 * which ssh targets refuse). Before each trial the source gets a new version made with {@code
 * backup --rehash}, which shares no blocks with the older ones, so every replicate has a whole card
 * to move and the kill lands in JVM start, the transfer, the check or the target's pruning. After
 * each kill the target must show only complete versions (verify, {@code sha256sum -c}, and per
 * backend btrfs's received UUID or the source's SHA256SUMS), and the next replicate must clean up
 * and complete.
 */
class KillDuringReplicateTest {
  private static final int TRIALS = Torture.trials("killReplicate", 3, 24);
  private static final String CHECKED =
      "new source version (backup --rehash), replicate --keep-last 3 killed with kill -9 at a"
          + " random instant from JVM start to 110% of a normal run; then on the target: verify exit"
          + " 0, sha256sum -c and (btrfs) read-only with the source's UUID as received UUID or"
          + " (plain) the source's SHA256SUMS, for every listed version; nothing in versions/ but"
          + " versions and hidden leftovers; the next replicate exit 0 with no leftover, the lock"
          + " free, the source's newest version there and at most 3; at the end verify of the"
          + " source and diff -r card newest";

  @Test
  void btrfsTarget(@TempDir Path tmp) throws Exception {
    try (BtrfsLoop a = BtrfsLoop.create(Files.createDirectories(tmp.resolve("a")), 2048);
        BtrfsLoop b = BtrfsLoop.create(Files.createDirectories(tmp.resolve("b")), 2048)) {
      Path source = a.mountPoint().resolve("repo");
      Path target = b.mountPoint().resolve("offsite");
      assertThat(Cli.run("init", "--repo", source.toString()).out()).contains("backend btrfs");
      assertThat(Cli.run("init", "--repo", target.toString()).out()).contains("backend btrfs");
      killRepeatedly(
          tmp,
          source,
          target,
          "btrfs to btrfs (send | receive)",
          keepLast3(source, target),
          3,
          null);
    }
  }

  @Test
  void btrfsTargetOverSsh(@TempDir Path tmp) throws Exception {
    Tools.require("zstd");
    try (BtrfsLoop a = BtrfsLoop.create(Files.createDirectories(tmp.resolve("a")), 2048);
        BtrfsLoop b = BtrfsLoop.create(Files.createDirectories(tmp.resolve("b")), 2048);
        Sshd sshd = Sshd.start()) {
      Path source = a.mountPoint().resolve("repo");
      Path restrict = Files.createDirectories(b.mountPoint().resolve("replica"));
      Path target = restrict.resolve("offsite");
      assertThat(Cli.run("init", "--repo", source.toString()).out()).contains("backend btrfs");
      sshd.authorizeForcedCommand(
          sshd.identity(),
          CliProcess.launcher(tmp.resolve("bin")) + " receive --restrict-path " + restrict);
      List<String> args =
          new ArrayList<>(
              List.of(
                  "replicate", "--repo", source.toString(), "--to", sshd.url(target.toString())));
      args.addAll(sshd.cliOptions(sshd.identity()));
      // --keep-* is not applied over ssh (prune runs on the far side), so no limit here.
      killRepeatedly(
          tmp,
          source,
          target,
          "btrfs over ssh (send | ssh | receive)",
          args.toArray(String[]::new),
          0,
          restrict.toString());
    }
  }

  /**
   * The far side (sshd's {@code lbuvault receive} and its {@code btrfs receive}) is not a child of
   * the killed JVM: wait for it to notice the closed connection and end, as it would long before
   * the next run.
   */
  private static void waitForFarSide(String farSide) throws Exception {
    if (farSide == null) {
      return;
    }
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (ProcessHandle.allProcesses()
        .anyMatch(h -> h.info().commandLine().orElse("").contains(farSide))) {
      assertThat(System.nanoTime()).as("the far side ends").isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  @Test
  void plainTarget(@TempDir Path tmp) throws Exception {
    try (BtrfsLoop a = BtrfsLoop.create(Files.createDirectories(tmp.resolve("a")), 2048)) {
      Path source = a.mountPoint().resolve("repo");
      Path target = tmp.resolve("offsite");
      assertThat(Cli.run("init", "--repo", source.toString()).out()).contains("backend btrfs");
      Cli.Result init = Cli.run("init", "--repo", target.toString(), "--backend", "plain");
      assertThat(init.exitCode()).as(init.toString()).isZero();
      killRepeatedly(
          tmp, source, target, "btrfs to plain (tree copy)", keepLast3(source, target), 3, null);
    }
  }

  /**
   * Runs the trials with {@code args} as the replicate command line; {@code keep} is the most
   * versions the target may hold after a run (0: no limit); {@code farSide}, for ssh, a string the
   * far side's processes carry on their command lines.
   */
  private static void killRepeatedly(
      Path tmp, Path source, Path target, String variant, String[] args, int keep, String farSide)
      throws Exception {
    try (Torture.Scenario s = Torture.scenario("16. SIGKILL during replicate", variant, CHECKED)) {
      boolean btrfs = !variant.contains("plain");
      Path card = Cards.make(tmp.resolve("card"), "--files", "60", "--total-mb", "40");
      Map<String, String> sourceFacts = new HashMap<>();
      backup(source, card, 1, btrfs, sourceFacts);
      // The first run sends the whole card from a cold cache; time one like the trials' runs (a
      // --rehash version after a warm run), or most kills would land after a normal run ended.
      timeOneRun(tmp, args);
      backup(source, card, 2, btrfs, sourceFacts);
      long runMillis = timeOneRun(tmp, args);
      Random random = new Random(variant.hashCode() * 31L + TRIALS);
      long[] delays = Torture.spreadDelays(TRIALS, runMillis, random);
      int killedMidRun = 0;
      int leftoversSeen = 0;
      for (int trial = 0; trial < TRIALS; trial++) {
        backup(source, card, 100 + trial, btrfs, sourceFacts);
        if (trial % 5 == 4) {
          Cli.Result prune = Cli.run("prune", "--repo", source.toString(), "--keep-last", "3");
          assertThat(prune.exitCode()).as(prune.toString()).isZero();
        }
        List<Path> sourceVersions = Torture.versions(source, "rpi");
        String newest = sourceVersions.get(sourceVersions.size() - 1).getFileName().toString();
        long delay = delays[trial];
        String when = variant + " trial " + trial + ", kill at " + delay + " ms";
        Path log = tmp.resolve("kill-" + trial + ".log");
        Process p = CliProcess.start(log, args);
        boolean killed = Torture.killAfter(p, delay);
        waitForFarSide(farSide);
        if (killed) {
          killedMidRun++;
        } else {
          assertThat(p.exitValue()).as(when + ": " + Torture.log(log)).isZero();
        }
        if (!hidden(target).isEmpty()) {
          leftoversSeen++;
        }
        assertOnlyCompleteVersions(target, btrfs, sourceFacts, when + ", after the kill");

        Cli.Result next = Cli.run(args);
        assertThat(next.exitCode()).as(when + ": next replicate: " + next).isZero();
        assertThat(hidden(target)).as(when + ": leftovers after the next run").isEmpty();
        assertThat(Leftovers.tempEntries(target)).as(when).isEmpty();
        assertThat(Leftovers.lockFree(target)).as(when + ": target lock").isTrue();
        List<String> visible = visible(target);
        assertThat(visible).as(when + ": target after the next run").contains(newest);
        assertThat(visible.size()).as(when + ": --keep-last").isBetween(1, keep == 0 ? 999 : keep);
        assertOnlyCompleteVersions(target, btrfs, sourceFacts, when + ", after the next run");
        s.trial();
      }
      s.note(killedMidRun + " of " + TRIALS + " kills landed before the run ended");
      s.note(leftoversSeen + " left a hidden half-made version that the next run deleted");
      s.note("a normal run took " + runMillis + " ms");
      assertThat(killedMidRun).as("kills before the end").isGreaterThanOrEqualTo(TRIALS / 2);
      Cli.Result verifySource = Cli.run("verify", "--repo", source.toString());
      assertThat(verifySource.exitCode()).as("source: " + verifySource).isZero();
      List<String> visible = visible(target);
      Path newestCopy =
          target.resolve("hosts/rpi/versions").resolve(visible.get(visible.size() - 1));
      assertThat(
              Commands.check(
                  null, "diff", "-r", card.toString(), newestCopy.resolve("card").toString()))
          .isEmpty();
      s.passed();
    }
  }

  private static String[] keepLast3(Path source, Path target) {
    return new String[] {
      "replicate", "--repo", source.toString(), "--to", target.toString(), "--keep-last", "3"
    };
  }

  /**
   * A new source version of the whole card, and what identifies it for the checks: its btrfs UUID
   * (what a received copy's received UUID must be), or its SHA256SUMS (what a tree copy's must be).
   */
  private static void backup(
      Path source, Path card, int seed, boolean btrfs, Map<String, String> facts) throws Exception {
    Cards.apkovl(card.resolve("rpi.apkovl.tar.gz"), "rpi", seed);
    Cli.Result r =
        Cli.run("backup", "--repo", source.toString(), "--source", card.toString(), "--rehash");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    List<Path> all = Torture.versions(source, "rpi");
    Path v = all.get(all.size() - 1);
    facts.put(
        v.getFileName().toString(),
        btrfs ? field(v, "UUID") : Files.readString(v.resolve("SHA256SUMS")));
  }

  /**
   * Every version the target lists is whole: lbuvault's verify, {@code sha256sum -c} inside it, and
   * it is a copy of the source's version of that name; versions/ holds nothing else than versions
   * and hidden leftovers.
   */
  private static void assertOnlyCompleteVersions(
      Path target, boolean btrfs, Map<String, String> facts, String when) throws Exception {
    Cli.Result verify = Cli.run("verify", "--repo", target.toString());
    assertThat(verify.exitCode()).as(when + ": verify: " + verify).isZero();
    Cli.Result list = Cli.run("list", "--repo", target.toString());
    assertThat(list.exitCode()).as(when + ": " + list).isZero();
    assertThat(list.out()).as(when).doesNotContain(".partial").doesNotContain("unreadable");
    Path dir = target.resolve("hosts/rpi/versions");
    for (String id : visible(target)) {
      Path v = dir.resolve(id);
      assertThat(list.out()).as(when).contains(id);
      Commands.Output sums =
          Commands.run(v, List.of("sha256sum", "--quiet", "--strict", "-c", "SHA256SUMS"));
      assertThat(sums.exitCode()).as(when + ": sha256sum -c in " + v + ": " + sums).isZero();
      assertThat(facts).as(when + ": " + id + " is a source version").containsKey(id);
      if (btrfs) {
        assertThat(field(v, "Flags")).as(when + ": " + id).contains("readonly");
        assertThat(field(v, "Received UUID")).as(when + ": " + id).isEqualTo(facts.get(id));
      } else {
        assertThat(Files.readString(v.resolve("SHA256SUMS"))).as(when).isEqualTo(facts.get(id));
      }
    }
    for (String name : names(target)) {
      assertThat(VersionName.isVersion(name) || VersionName.isHiddenLeftover(name))
          .as(when + ": unexpected entry " + name + " in versions/")
          .isTrue();
    }
  }

  /** Version directories the target lists: an id name without a .receiving- marker. */
  private static List<String> visible(Path target) throws Exception {
    List<String> names = names(target);
    List<String> out = new ArrayList<>();
    for (String n : names) {
      if (VersionName.isVersion(n) && !names.contains(".receiving-" + n)) {
        out.add(n);
      }
    }
    return out;
  }

  /** What an interrupted replicate leaves for the next writer: markers and half-made copies. */
  private static List<String> hidden(Path target) throws Exception {
    List<String> names = names(target);
    List<String> out = new ArrayList<>();
    for (String n : names) {
      if (VersionName.isHiddenLeftover(n)
          || (VersionName.isVersion(n) && names.contains(".receiving-" + n))) {
        out.add(n);
      }
    }
    return out;
  }

  private static List<String> names(Path target) throws Exception {
    Path dir = target.resolve("hosts/rpi/versions");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /** Names in a host's versions/ directory. */
  private static final class VersionName {
    static boolean isVersion(String n) {
      return n.matches("\\d{8}T\\d{6}Z(_\\d+)?");
    }

    /** Includes the temporary name of a .receiving- marker whose write was cut short. */
    static boolean isHiddenLeftover(String n) {
      return n.startsWith(".partial-")
          || n.startsWith(".deleting-")
          || n.startsWith(".receiving-")
          || (n.startsWith("..receiving-") && n.contains(".tmp-"));
    }
  }

  private static long timeOneRun(Path tmp, String[] args) throws Exception {
    long start = System.nanoTime();
    Path log = tmp.resolve("timed.log");
    Process p = CliProcess.start(log, args);
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(Torture.log(log)).isZero();
    return (System.nanoTime() - start) / 1_000_000;
  }
}
