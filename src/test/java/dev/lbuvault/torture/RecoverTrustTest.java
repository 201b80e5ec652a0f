package dev.lbuvault.torture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.cli.ExitCodes;
import dev.lbuvault.testing.BtrfsLoop;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Cli.Result;
import dev.lbuvault.testing.CliProcess;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.LoopDevice;
import dev.lbuvault.testing.PromptedRecover;
import dev.lbuvault.testing.Tools;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 13: recover you can trust. Random bit rot in stored files (both backends) must stop
 * recover with exit 4 and nothing at the image's name; prune racing a recover at a random instant
 * must never leave the recover half-done; a device mounted or swapped while recover waits at its
 * prompt must be refused with its bytes unchanged.
 */
class RecoverTrustTest {
  private static final int ROT_TRIALS = Torture.trials("bitRot", 4, 25);
  private static final int RACE_TRIALS = Torture.trials("pruneRecover", 3, 15);
  private static final int PROMPT_TRIALS = Torture.trials("devicePrompt", 2, 8);

  @TempDir Path tmp;

  @Test
  void bitRotInThePlainBackend() throws Exception {
    Path repo = tmp.resolve("repo");
    bitRot("plain", repo, "--backend", "plain");
  }

  @Test
  void bitRotInTheBtrfsBackend() throws Exception {
    Tools.requireRoot();
    Tools.require("mkfs.btrfs");
    try (BtrfsLoop btrfs = BtrfsLoop.create(Files.createDirectories(tmp.resolve("fs")), 512)) {
      bitRot("btrfs", btrfs.mountPoint().resolve("repo"), "--backend", "btrfs");
    }
  }

  private void bitRot(String backend, Path repo, String... initOptions) throws Exception {
    String checked =
        "one random byte of one random stored file flipped, size and mtime kept; recover to an"
            + " image exits 4 naming the file, leaves nothing at or beside the image's name; with"
            + " the byte restored, recover exits 0 and the image passes inspect";
    try (Torture.Scenario s =
        Torture.scenario("13. recover you can trust", "bit rot, " + backend, checked)) {
      Path card = Cards.make(tmp.resolve("card-" + backend), "--files", "120", "--total-mb", "40");
      init(repo, initOptions);
      backup(repo, card);
      Path version = Torture.versions(repo, "rpi").get(0);
      List<String> stored = storedFiles(version);
      Random random = new Random(backend.hashCode() + ROT_TRIALS);
      Path out = Files.createDirectories(tmp.resolve("out-" + backend));
      Path image = out.resolve("card.img");
      for (int trial = 0; trial < ROT_TRIALS; trial++) {
        String path = stored.get(random.nextInt(stored.size()));
        Path file = version.resolve(path);
        long offset = (long) (random.nextDouble() * Files.size(file));
        writable(backend, version, true);
        flip(file, offset);
        writable(backend, version, false);
        Result r = Cli.run("recover", "--repo", repo.toString(), "--to", image.toString(), "--yes");
        String when = backend + " trial " + trial + ", " + path + " byte " + offset + "\n" + r;
        assertThat(r.exitCode()).as(when).isEqualTo(ExitCodes.DAMAGED);
        assertThat(r.err()).as(when).contains(path + " of version").contains("damaged");
        assertThat(entries(out)).as(when).isEmpty();
        writable(backend, version, true);
        flip(file, offset);
        writable(backend, version, false);
        s.trial();
      }
      Result good =
          Cli.run("recover", "--repo", repo.toString(), "--to", image.toString(), "--yes");
      assertThat(good.exitCode()).as(good.toString()).isZero();
      assertThat(good.out()).contains("verification: OK");
      Result inspect = Cli.run("inspect", image.toString());
      assertThat(inspect.exitCode()).as(inspect.toString()).isZero();
      s.passed();
    }
  }

  @Test
  void pruneRacingRecover() throws Exception {
    String checked =
        "prune --keep-last 1 started at a random instant of a recover of the older version; either"
            + " recover exits 0, its image passes inspect and prune skipped or waited for the"
            + " version, or recover exits 1 saying the version is gone and no image exists; never"
            + " exit 4, never a half-written image";
    try (Torture.Scenario s =
        Torture.scenario("13. recover you can trust", "prune racing recover", checked)) {
      Path card = Cards.make(tmp.resolve("card"), "--files", "120", "--total-mb", "30");
      Path repo = tmp.resolve("repo");
      init(repo, "--backend", "plain");
      backup(repo, card);
      Random random = new Random(RACE_TRIALS);
      long runMillis = -1;
      long[] delays = null;
      int recovered = 0;
      int prunedFirst = 0;
      for (int trial = 0; trial < RACE_TRIALS; trial++) {
        Cards.apkovl(card.resolve("rpi.apkovl.tar.gz"), "rpi", 100 + trial);
        backup(repo, card);
        List<Path> versions = Torture.versions(repo, "rpi");
        String older = versions.get(versions.size() - 2).getFileName().toString();
        Path image = tmp.resolve("race-" + trial + ".img");
        Path log = tmp.resolve("race-" + trial + ".log");
        List<String> recover =
            List.of(
                "recover",
                "--repo",
                repo.toString(),
                "--version",
                older,
                "--to",
                image.toString(),
                "--yes");
        if (runMillis < 0) {
          long start = System.nanoTime();
          Process timed = CliProcess.start(tmp.resolve("timed.log"), List.of(), recover);
          assertThat(timed.waitFor(5, TimeUnit.MINUTES)).isTrue();
          runMillis = (System.nanoTime() - start) / 1_000_000;
          Files.delete(image);
          delays = Torture.spreadDelays(RACE_TRIALS, runMillis, random);
        }
        Process p = CliProcess.start(log, List.of(), recover);
        Thread.sleep(delays[trial]);
        Result prune = Cli.run("prune", "--repo", repo.toString(), "--keep-last", "1");
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        String when =
            "trial "
                + trial
                + " prune at "
                + delays[trial]
                + " ms of "
                + runMillis
                + "\n"
                + prune
                + "\n"
                + Files.readString(log);
        assertThat(prune.exitCode()).as(when).isZero();
        if (p.exitValue() == 0) {
          recovered++;
          Result inspect = Cli.run("inspect", image.toString());
          assertThat(inspect.exitCode()).as(when + "\n" + inspect).isZero();
        } else {
          prunedFirst++;
          assertThat(p.exitValue()).as(when).isEqualTo(ExitCodes.FAILURE);
          assertThat(Files.readString(log)).as(when).contains("no version \"" + older + "\"");
          assertThat(image).as(when).doesNotExist();
        }
        String temporaries = "." + image.getFileName();
        assertThat(entries(tmp).stream().filter(n -> n.startsWith(temporaries))).as(when).isEmpty();
        Cli.run("prune", "--repo", repo.toString(), "--keep-last", "1");
        s.trial();
      }
      s.note(
          recovered
              + " recovered while prune waited or skipped, "
              + prunedFirst
              + " found the version already pruned");
      Torture.assertValid(repo, "after the races");
      s.passed();
    }
  }

  @Test
  void aDeviceMountedOrSwappedAtThePrompt() throws Exception {
    Tools.requireRoot();
    Tools.require("losetup");
    Tools.require("mkfs.ext4");
    String checked =
        "while recover waits for the typed device name, the loop device is mounted read-write"
            + " (even trials) or re-pointed at another file (odd trials); recover exits 3 and"
            + " sha256sum of every backing file is unchanged";
    try (Torture.Scenario s =
        Torture.scenario("13. recover you can trust", "device changes at the prompt", checked)) {
      Path card = Cards.make(tmp.resolve("card"));
      String repo = tmp.resolve("repo").toString();
      init(Path.of(repo));
      backup(Path.of(repo), card);
      Path a = tmp.resolve("disk-a.img");
      Path b = tmp.resolve("disk-b.img");
      Commands.check(null, "truncate", "-s", "128M", a.toString(), b.toString());
      Commands.check(null, "mkfs.ext4", "-q", "-F", a.toString());
      Path mnt = Files.createDirectories(tmp.resolve("mnt"));
      for (int trial = 0; trial < PROMPT_TRIALS; trial++) {
        String beforeA = sha256(a);
        String beforeB = sha256(b);
        Path log = tmp.resolve("prompt-" + trial + ".log");
        int code;
        try (LoopDevice loop = LoopDevice.attach(a)) {
          PromptedRecover p = PromptedRecover.start(repo, loop.path(), log);
          String name = loop.path().getFileName().toString();
          if (trial % 2 == 0) {
            Commands.check(null, "mount", "-t", "ext4", loop.path().toString(), mnt.toString());
            try {
              code = p.answer(name);
            } finally {
              Commands.check(null, "umount", mnt.toString());
            }
          } else {
            Commands.check(null, "losetup", "-d", loop.path().toString());
            repoint(loop.path(), b);
            code = p.answer(name);
          }
        }
        String when = "trial " + trial + "\n" + Files.readString(log);
        assertThat(code).as(when).isEqualTo(ExitCodes.UNSAFE);
        assertThat(Files.readString(log)).as(when).contains("nothing was written");
        if (trial % 2 == 1) {
          assertThat(sha256(a)).as(when).isEqualTo(beforeA);
        }
        assertThat(sha256(b)).as(when).isEqualTo(beforeB);
        s.trial();
      }
      s.passed();
    }
  }

  private static void repoint(Path loop, Path file) throws Exception {
    for (int i = 0; i < 300; i++) {
      if (Commands.run(null, List.of("losetup", loop.toString(), file.toString())).exitCode()
          == 0) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException(loop + " did not detach within 30 s");
  }

  private static void init(Path repo, String... options) {
    List<String> args = new java.util.ArrayList<>(List.of("init", "--repo", repo.toString()));
    args.addAll(List.of(options));
    Result r = Cli.run(args.toArray(String[]::new));
    assertThat(r.exitCode()).as(r.toString()).isZero();
  }

  private static void backup(Path repo, Path card) {
    Result r = Cli.run("backup", "--repo", repo.toString(), "--source", card.toString());
    assertThat(r.exitCode()).as(r.toString()).isZero();
  }

  /** The non-empty files a version's SHA256SUMS lists, as paths relative to the version. */
  private static List<String> storedFiles(Path version) throws Exception {
    return Files.readAllLines(version.resolve("SHA256SUMS")).stream()
        .map(l -> l.substring(66))
        .filter(p -> sizeOf(version.resolve(p)) > 0)
        .toList();
  }

  private static long sizeOf(Path file) {
    try {
      return Files.size(file);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** XORs one byte, keeping size and mtime: what bit rot looks like to a backup. */
  private static void flip(Path file, long offset) throws Exception {
    FileTime mtime = Files.getLastModifiedTime(file);
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(offset);
      int b = raf.read();
      raf.seek(offset);
      raf.write(b ^ 0x10);
    }
    Files.setLastModifiedTime(file, mtime);
  }

  private static void writable(String backend, Path version, boolean on) throws Exception {
    if ("btrfs".equals(backend)) {
      Commands.check(
          null, "btrfs", "property", "set", "-ts", version.toString(), "ro", on ? "false" : "true");
    }
  }

  private static List<String> entries(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }

  private static String sha256(Path file) throws Exception {
    return Commands.check(null, "sha256sum", file.toString()).substring(0, 64);
  }
}
