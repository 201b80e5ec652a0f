package dev.lbuvault.torture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.cli.ExitCodes;
import dev.lbuvault.testing.BtrfsLoop;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.CliProcess;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Leftovers;
import dev.lbuvault.testing.Tools;
import dev.lbuvault.testing.TwoBtrfsRepositories;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenarios 17 and 18: replication faults the target side causes. 17: the target's filesystem fills
 * up in the middle of a version (a small btrfs target for send | receive, a small ext4 one for the
 * tree copy); 18: a garbled receive, either {@code btrfs receive} killed with SIGKILL mid-stream or
 * a send stream cut short while the sender still exits 0 (what a dropped link looks like to the
 * receiver; a {@code btrfs} wrapper on PATH cuts it, the only fake here). Each time: exit 1 naming
 * the version, nothing of it visible or left behind on the target, the source untouched, and a
 * later run completes.
 */
class ReplicateFaultsTest {
  private static final int FULL_TRIALS = Torture.trials("replicateTargetFull", 1, 3);
  private static final int GARBLED_TRIALS = Torture.trials("garbledReceive", 2, 12);
  private static final String FULL_CHECKED =
      "a source version whose new data is 1.3-2x the target's free space; replicate exit 1 with"
          + " one 'lbuvault:' line naming the version and the host, no stack trace; the target"
          + " lists what it listed before, no leftover, verify exit 0; the source's version"
          + " verifies; after growing the target (truncate, losetup -c, resize) the next replicate"
          + " exit 0 and sends it (sha256sum -c)";
  private static final String GARBLED_CHECKED =
      "replicate exit 1, one 'lbuvault:' line naming the version and saying it was deleted; no"
          + " subvolume, marker or leftover of it on the target, verify exit 0; the next replicate"
          + " exit 0 sends it, read-only with the source's UUID as received UUID, sha256sum -c";

  @Test
  void aSmallBtrfsTarget(@TempDir Path tmp) throws Exception {
    try (BtrfsLoop a = BtrfsLoop.create(Files.createDirectories(tmp.resolve("a")), 2048);
        BtrfsLoop b = BtrfsLoop.create(Files.createDirectories(tmp.resolve("b")), 160)) {
      Path source = a.mountPoint().resolve("repo");
      Path target = b.mountPoint().resolve("offsite");
      assertThat(Cli.run("init", "--repo", source.toString()).exitCode()).isZero();
      assertThat(Cli.run("init", "--repo", target.toString()).out()).contains("backend btrfs");
      fillRepeatedly(tmp, source, target, b.mountPoint(), "btrfs target (160 MiB)", "btrfs");
    }
  }

  @Test
  void aSmallExt4PlainTarget(@TempDir Path tmp) throws Exception {
    Tools.require("mkfs.ext4");
    Tools.require("resize2fs");
    try (BtrfsLoop a = BtrfsLoop.create(Files.createDirectories(tmp.resolve("a")), 2048)) {
      Path image = tmp.resolve("ext4.img");
      Path mnt = Files.createDirectories(tmp.resolve("mnt"));
      Commands.check(null, "truncate", "-s", "96M", image.toString());
      Commands.check(null, "mkfs.ext4", "-q", "-F", image.toString());
      Commands.check(null, "mount", "-o", "loop", image.toString(), mnt.toString());
      try {
        Path source = a.mountPoint().resolve("repo");
        Path target = mnt.resolve("offsite");
        assertThat(Cli.run("init", "--repo", source.toString()).exitCode()).isZero();
        assertThat(Cli.run("init", "--repo", target.toString()).out()).contains("backend plain");
        fillRepeatedly(tmp, source, target, mnt, "plain target on ext4 (96 MiB)", "ext4");
      } finally {
        if (Commands.run(null, List.of("umount", mnt.toString())).exitCode() != 0) {
          Commands.run(null, List.of("umount", "-l", mnt.toString()));
        }
      }
    }
  }

  private static void fillRepeatedly(
      Path tmp, Path source, Path target, Path fs, String variant, String fsType) throws Exception {
    try (Torture.Scenario s =
        Torture.scenario("17. replicate: target filesystem full", variant, FULL_CHECKED)) {
      Path card = Cards.make(tmp.resolve("card"), "--files", "40", "--total-mb", "10");
      backup(source, card, 1);
      Cli.Result first = replicate(source, target);
      assertThat(first.exitCode()).as(first.toString()).isZero();
      Random random = new Random(variant.hashCode());
      for (int trial = 0; trial < FULL_TRIALS; trial++) {
        String when = variant + " trial " + trial;
        Commands.check(null, "sync");
        long free = Files.getFileStore(fs).getUsableSpace();
        double factor = 1.3 + random.nextDouble() * 0.7;
        Path filler = card.resolve("cache/filler-" + trial + ".apk");
        writeRandom(filler, (long) (free * factor), random);
        String id = backup(source, card, 10 + trial);
        Path sourceVersion = source.resolve("hosts/rpi/versions").resolve(id);
        String sourceSums = Files.readString(sourceVersion.resolve("SHA256SUMS"));
        List<String> before = names(target);

        Cli.Result full = replicate(source, target);

        assertThat(full.exitCode()).as(when + ": " + full).isEqualTo(ExitCodes.FAILURE);
        Torture.assertCleanMessage(full.err(), when);
        assertThat(full.err())
            .as(when)
            .contains(id)
            .contains("host rpi")
            .contains("not replicated")
            .contains("No space left on device");
        assertThat(names(target)).as(when + ": nothing new on the target").isEqualTo(before);
        Cli.Result verify = Cli.run("verify", "--repo", target.toString());
        assertThat(verify.exitCode()).as(when + ": verify target: " + verify).isZero();
        assertThat(Files.readString(sourceVersion.resolve("SHA256SUMS"))).isEqualTo(sourceSums);
        Cli.Result verifySource = Cli.run("verify", "--repo", source.toString(), id);
        assertThat(verifySource.exitCode()).as(when + ": source: " + verifySource).isZero();

        grow(fs, (long) (free * factor * 2) + (64L << 20), fsType);
        Cli.Result next = replicate(source, target);
        assertThat(next.exitCode()).as(when + ": on the bigger target: " + next).isZero();
        assertThat(next.out()).as(when).contains("sent rpi " + id);
        Path copy = target.resolve("hosts/rpi/versions").resolve(id);
        Commands.Output sums =
            Commands.run(copy, List.of("sha256sum", "--quiet", "--strict", "-c", "SHA256SUMS"));
        assertThat(sums.exitCode()).as(when + ": sha256sum -c: " + sums).isZero();
        assertThat(Leftovers.tempEntries(target)).as(when).isEmpty();
        Files.delete(filler);
        s.trial();
        if (trial == 0) {
          s.note("message: " + full.err().strip());
        }
      }
      s.passed();
    }
  }

  /**
   * Grows the loop-mounted filesystem at {@code mnt} by {@code bytes}, as an owner would: btrfs
   * online; ext4 offline (umount, e2fsck, resize2fs, mount), since a container may refuse on-line
   * ext4 resizing.
   */
  private static void grow(Path mnt, long bytes, String fsType) throws Exception {
    String device = Commands.check(null, "findmnt", "-n", "-o", "SOURCE", mnt.toString()).strip();
    String image = Commands.check(null, "losetup", "-n", "-O", "BACK-FILE", device).strip();
    if ("btrfs".equals(fsType)) {
      Commands.check(null, "truncate", "-s", "+" + bytes, image);
      Commands.check(null, "losetup", "-c", device);
      Commands.check(null, "btrfs", "filesystem", "resize", "max", mnt.toString());
    } else {
      Commands.check(null, "umount", mnt.toString());
      Commands.check(null, "truncate", "-s", "+" + bytes, image);
      Commands.check(null, "e2fsck", "-f", "-y", image);
      Commands.check(null, "resize2fs", image);
      Commands.check(null, "mount", "-o", "loop", image, mnt.toString());
    }
  }

  @Test
  void aReceiveKilledMidStream(@TempDir Path tmp) throws Exception {
    garbled(tmp, "btrfs receive killed with SIGKILL mid-stream", null);
  }

  @Test
  void aSendStreamCutShort(@TempDir Path tmp) throws Exception {
    Path realBtrfs = Tools.require("btrfs");
    Path shim = Files.createDirectories(tmp.resolve("shim"));
    Path script = shim.resolve("btrfs");
    // The sender still exits 0: only the receiving side can tell the stream was cut.
    Files.writeString(
        script,
        "#!/bin/sh\n"
            + "if [ \"$1\" = send ]; then \""
            + realBtrfs
            + "\" \"$@\" | head -c \"$LBUVAULT_CUT_AT\"; exit 0; fi\n"
            + "exec \""
            + realBtrfs
            + "\" \"$@\"\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    garbled(tmp, "send stream cut short (sender exits 0)", shim);
  }

  private static void garbled(Path tmp, String variant, Path shim) throws Exception {
    try (BtrfsLoop a = BtrfsLoop.create(Files.createDirectories(tmp.resolve("a")), 2048);
        BtrfsLoop b = BtrfsLoop.create(Files.createDirectories(tmp.resolve("b")), 2048);
        Torture.Scenario s =
            Torture.scenario("18. replicate: garbled receive", variant, GARBLED_CHECKED)) {
      Path source = a.mountPoint().resolve("repo");
      Path target = b.mountPoint().resolve("offsite");
      assertThat(Cli.run("init", "--repo", source.toString()).exitCode()).isZero();
      assertThat(Cli.run("init", "--repo", target.toString()).exitCode()).isZero();
      Path card = Cards.make(tmp.resolve("card"), "--files", "60", "--total-mb", "40");
      backup(source, card, 1);
      assertThat(replicate(source, target).exitCode()).isZero();
      Random random = new Random(variant.hashCode() * 7L + GARBLED_TRIALS);
      int landed = 0;
      for (int trial = 0; trial < GARBLED_TRIALS; trial++) {
        String id = backupRehash(source, card, 100 + trial);
        String when = variant + " trial " + trial;
        Path log = tmp.resolve("garbled-" + trial + ".log");
        Process p;
        if (shim == null) {
          p = CliProcess.start(log, replicateArgs(source, target));
          landed += killReceive(p, random.nextInt(400)) ? 1 : 0;
        } else {
          // The whole card (40 MB) crosses, so any cut below 30 MiB is inside the stream.
          long cut = 1 + random.nextInt(30 << 20);
          ProcessBuilder pb =
              new ProcessBuilder(
                  CliProcess.command(List.of(), List.of(replicateArgs(source, target))));
          pb.environment().put("PATH", shim + ":" + System.getenv("PATH"));
          pb.environment().put("LBUVAULT_CUT_AT", Long.toString(cut));
          pb.redirectErrorStream(true).redirectOutput(log.toFile());
          p = pb.start();
          landed++;
        }
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).as(when).isTrue();
        String out = Torture.log(log);
        if (p.exitValue() == 0) {
          // The kill came after the receive had finished: a normal, complete replication.
          assertThat(shim).as(when + ": a cut stream must not succeed: " + out).isNull();
          landed--;
        } else {
          assertThat(p.exitValue()).as(when + ": " + out).isEqualTo(ExitCodes.FAILURE);
          Torture.assertCleanMessage(out, when);
          assertThat(out).as(when).contains(id).contains("not replicated").contains("deleted");
          assertThat(names(target)).as(when + ": nothing of " + id).noneMatch(n -> n.contains(id));
          assertThat(
                  Commands.check(
                      null,
                      "btrfs",
                      "subvolume",
                      "list",
                      "-o",
                      b.mountPoint().resolve("offsite/hosts/rpi/versions").toString()))
              .as(when + ": no subvolume of " + id)
              .doesNotContain(id);
          Cli.Result verify = Cli.run("verify", "--repo", target.toString());
          assertThat(verify.exitCode()).as(when + ": verify: " + verify).isZero();
        }
        Cli.Result next = replicate(source, target);
        assertThat(next.exitCode()).as(when + ": next run: " + next).isZero();
        Path copy = target.resolve("hosts/rpi/versions").resolve(id);
        assertThat(TwoBtrfsRepositories.field(copy, "Flags")).contains("readonly");
        assertThat(TwoBtrfsRepositories.field(copy, "Received UUID"))
            .isEqualTo(
                TwoBtrfsRepositories.field(
                    source.resolve("hosts/rpi/versions").resolve(id), "UUID"));
        Commands.Output sums =
            Commands.run(copy, List.of("sha256sum", "--quiet", "--strict", "-c", "SHA256SUMS"));
        assertThat(sums.exitCode()).as(when + ": sha256sum -c: " + sums).isZero();
        assertThat(Leftovers.tempEntries(target)).as(when).isEmpty();
        assertThat(names(target)).as(when).noneMatch(n -> n.startsWith("."));
        s.trial();
        if (trial == 0 && p.exitValue() != 0) {
          s.note(
              "message: "
                  + out.lines().filter(l -> l.startsWith("lbuvault: ")).findFirst().orElse(""));
        }
      }
      s.note(landed + " of " + GARBLED_TRIALS + " garbled a receive");
      assertThat(landed).as("garbled receives").isGreaterThanOrEqualTo((GARBLED_TRIALS + 1) / 2);
      s.passed();
    }
  }

  /**
   * Waits for {@code p}'s {@code btrfs receive} to start, then kills it with SIGKILL after {@code
   * delayMillis}; false when it had already finished.
   */
  private static boolean killReceive(Process p, long delayMillis) throws Exception {
    Optional<ProcessHandle> receive = Optional.empty();
    while (receive.isEmpty() && p.isAlive()) {
      receive =
          p.descendants()
              .filter(h -> h.info().commandLine().orElse("").contains("receive"))
              .findFirst();
      if (receive.isEmpty()) {
        Thread.sleep(10);
      }
    }
    if (receive.isEmpty()) {
      return false;
    }
    Thread.sleep(delayMillis);
    return receive.get().isAlive() && receive.get().destroyForcibly();
  }

  private static String[] replicateArgs(Path source, Path target) {
    return new String[] {"replicate", "--repo", source.toString(), "--to", target.toString()};
  }

  private static Cli.Result replicate(Path source, Path target) {
    return Cli.run(replicateArgs(source, target));
  }

  /** Backs the card up; returns the new version's id. */
  private static String backup(Path source, Path card, int seed) throws Exception {
    Cards.apkovl(card.resolve("rpi.apkovl.tar.gz"), "rpi", seed);
    Cli.Result r = Cli.run("backup", "--repo", source.toString(), "--source", card.toString());
    assertThat(r.exitCode()).as(r.toString()).isZero();
    List<Path> all = Torture.versions(source, "rpi");
    return all.get(all.size() - 1).getFileName().toString();
  }

  /** A version that shares no blocks with older ones, so its send moves the whole card. */
  private static String backupRehash(Path source, Path card, int seed) throws Exception {
    Cards.apkovl(card.resolve("rpi.apkovl.tar.gz"), "rpi", seed);
    Cli.Result r =
        Cli.run("backup", "--repo", source.toString(), "--source", card.toString(), "--rehash");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    List<Path> all = Torture.versions(source, "rpi");
    return all.get(all.size() - 1).getFileName().toString();
  }

  private static List<String> names(Path target) throws Exception {
    Path dir = target.resolve("hosts/rpi/versions");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return new ArrayList<>(s.map(p -> p.getFileName().toString()).sorted().toList());
    }
  }

  /** Incompressible filler, so no filesystem can store it in less than its size. */
  private static void writeRandom(Path file, long bytes, Random random) throws Exception {
    Files.createDirectories(file.getParent());
    byte[] chunk = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long done = 0; done < bytes; done += chunk.length) {
        random.nextBytes(chunk);
        out.write(chunk, 0, (int) Math.min(chunk.length, bytes - done));
      }
    }
  }
}
