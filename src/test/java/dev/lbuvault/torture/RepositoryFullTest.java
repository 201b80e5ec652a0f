package dev.lbuvault.torture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.cli.ExitCodes;
import dev.lbuvault.testing.BtrfsLoop;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 3: the repository's filesystem fills up during a backup, for real: a small btrfs on a
 * loop device (and the plain backend on a small ext4), and a card with filler files bigger than the
 * free space. The backup must fail with exit 1 and a one-line message naming the repository and
 * what to do, publish nothing, leave a repository that verifies, and the next backup after the
 * filler is gone must succeed.
 */
class RepositoryFullTest {
  private static final int TRIALS = Torture.trials("diskFull", 1, 6);
  private static final String CHECKED =
      "card with filler files 1.2-3x the free space; backup exit 1, one 'lbuvault:' line naming"
          + " the repository, 'No space left on device' and what to do, no stack trace; no new"
          + " version, no .partial listed, verify exit 0; after removing the filler the next backup"
          + " stores the card (diff -r)";

  @Test
  void aSmallBtrfs(@TempDir Path tmp) throws Exception {
    try (BtrfsLoop btrfs = BtrfsLoop.create(tmp, 160)) {
      Path repo = btrfs.mountPoint().resolve("repo");
      assertThat(Cli.run("init", "--repo", repo.toString()).out()).contains("backend btrfs");
      fillRepeatedly(tmp, repo, btrfs.mountPoint(), "btrfs (160 MiB)");
    }
  }

  @Test
  void aSmallExt4WithThePlainBackend(@TempDir Path tmp) throws Exception {
    Tools.requireRoot();
    Tools.require("mkfs.ext4");
    Path image = tmp.resolve("ext4.img");
    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    Commands.check(null, "truncate", "-s", "96M", image.toString());
    Commands.check(null, "mkfs.ext4", "-q", "-F", image.toString());
    Commands.check(null, "mount", "-o", "loop", image.toString(), mnt.toString());
    try {
      Path repo = mnt.resolve("repo");
      assertThat(Cli.run("init", "--repo", repo.toString()).out()).contains("backend plain");
      fillRepeatedly(tmp, repo, mnt, "plain on ext4 (96 MiB)");
    } finally {
      if (Commands.run(null, List.of("umount", mnt.toString())).exitCode() != 0) {
        Commands.run(null, List.of("umount", "-l", mnt.toString()));
      }
    }
  }

  private static void fillRepeatedly(Path tmp, Path repo, Path fs, String backend)
      throws Exception {
    try (Torture.Scenario s = Torture.scenario("3. repository filesystem full", backend, CHECKED)) {
      Path card = Cards.make(tmp.resolve("card"));
      Cli.Result first = Cli.run("backup", "--repo", repo.toString(), "--source", card.toString());
      assertThat(first.exitCode()).as(first.toString()).isZero();
      Random random = new Random(backend.hashCode());
      List<String> factors = new ArrayList<>();
      for (int trial = 0; trial < TRIALS; trial++) {
        String when = backend + " trial " + trial;
        Commands.check(null, "sync");
        long free = Files.getFileStore(fs).getUsableSpace();
        double factor = 1.2 + random.nextDouble() * 1.8;
        int files = 1 + random.nextInt(4);
        long each = (long) (free * factor / files);
        List<Path> filler = new ArrayList<>();
        for (int i = 0; i < files; i++) {
          Path f = card.resolve("cache/filler-" + trial + "-" + i + ".apk");
          writeRandom(f, each, random);
          filler.add(f);
        }
        Cards.apkovl(card.resolve("rpi.apkovl.tar.gz"), "rpi", 500 + trial);
        List<Path> before = Torture.versions(repo, "rpi");

        Cli.Result full = Cli.run("backup", "--repo", repo.toString(), "--source", card.toString());
        assertThat(full.exitCode()).as(when + ": " + full).isEqualTo(ExitCodes.FAILURE);
        Torture.assertCleanMessage(full.err(), when);
        assertThat(full.err())
            .as(when)
            .contains("No space left on device")
            .contains(repo.toString())
            .containsIgnoringCase("free");
        assertThat(Torture.versions(repo, "rpi")).as(when + ": no new version").isEqualTo(before);
        Torture.assertValid(repo, when + ", after the failed backup");

        for (Path f : filler) {
          Files.delete(f);
        }
        Cli.Result next = Cli.run("backup", "--repo", repo.toString(), "--source", card.toString());
        assertThat(next.exitCode()).as(when + ": after freeing space: " + next).isZero();
        assertThat(next.out()).startsWith("stored");
        Torture.assertValid(repo, when + ", after the next backup");
        List<Path> after = Torture.versions(repo, "rpi");
        assertThat(
                Commands.check(
                    null,
                    "diff",
                    "-r",
                    card.toString(),
                    after.get(after.size() - 1).resolve("card").toString()))
            .isEmpty();
        s.trial();
        if (trial == 0) {
          s.note("message: " + full.err().strip());
        }
        factors.add(String.format("%d file(s) %.1fx", files, factor));
      }
      s.note("filler per trial: " + String.join(", ", factors) + " the free space");
      s.passed();
    }
  }

  /** Incompressible filler, so no filesystem can store it in less than its size. */
  private static void writeRandom(Path file, long bytes, Random random) throws Exception {
    byte[] chunk = new byte[1 << 20];
    try (var out = Files.newOutputStream(file)) {
      for (long done = 0; done < bytes; done += chunk.length) {
        random.nextBytes(chunk);
        out.write(chunk, 0, (int) Math.min(chunk.length, bytes - done));
      }
    }
  }
}
