package dev.lbuvault.torture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.cli.ExitCodes;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.LoopDevice;
import dev.lbuvault.testing.Tools;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 9: {@code recover}'s refusal matrix on real loop devices. Every target is first filled
 * with a random pattern where recover would write first (the first and last MiB) and hashed whole;
 * each refusal must exit 3 with a message that says nothing was written, and leave every byte as it
 * was. Mounted filesystems are mounted read-only so the kernel itself changes nothing.
 */
class RecoverRefusalMatrixTest {
  private static final int TRIALS = Torture.trials("refusals", 1, 5);
  private static final String CHECKED =
      "recover --yes onto: a mounted whole disk, a disk with a mounted partition, a partition, a"
          + " too small disk, a read-only disk, the disk holding the repository; exit 3, one clean"
          + " 'lbuvault:' line with the reason and 'nothing was written', sha256 of the whole"
          + " device unchanged";

  @TempDir Path tmp;

  @Test
  void everyUnsafeTargetIsRefusedAndUnchanged() throws Exception {
    Tools.requireRoot();
    Tools.require("sfdisk");
    Tools.require("partx");
    Tools.require("mkfs.ext4");
    try (Torture.Scenario s =
        Torture.scenario("9. recover refusal matrix", "loop devices", CHECKED)) {
      Path card = Cards.make(tmp.resolve("card"));
      Path repo = tmp.resolve("repo");
      assertThat(Cli.run("init", "--repo", repo.toString()).exitCode()).isZero();
      assertThat(
              Cli.run("backup", "--repo", repo.toString(), "--source", card.toString()).exitCode())
          .isZero();
      Random random = new Random(9);
      Map<String, String> messages = new TreeMap<>();
      for (int trial = 0; trial < TRIALS; trial++) {
        // A whole disk with a (read-only) mounted filesystem.
        Path disk = pattern("mounted.img", "128M", random);
        try (LoopDevice loop = LoopDevice.attach(disk)) {
          Commands.check(null, "mkfs.ext4", "-q", "-F", loop.path().toString());
          Path mnt = Files.createDirectories(tmp.resolve("mnt-whole"));
          mount(loop.path(), mnt);
          try {
            refused(s, messages, "mounted", repo, loop.path(), "is mounted");
          } finally {
            umount(mnt);
          }
        }
        // A partitioned disk: the disk while partition 2 is mounted, and partition 1 itself.
        Path parted = pattern("parted.img", "128M", random);
        Commands.check(
            null,
            "sh",
            "-c",
            "printf 'label: dos\\nstart=2048, size=40M, type=c\\nsize=60M, type=83\\n' | sfdisk -q "
                + parted);
        try (LoopDevice loop = LoopDevice.attach(parted)) {
          Path dev = loop.path();
          Commands.check(null, "partx", "-a", dev.toString());
          try {
            Path p1 = Path.of(dev + "p1");
            Path p2 = Path.of(dev + "p2");
            Commands.check(null, "mkfs.ext4", "-q", "-F", p2.toString());
            refused(s, messages, "partition", repo, p1, "is a partition");
            Path mnt = Files.createDirectories(tmp.resolve("mnt-part"));
            mount(p2, mnt);
            try {
              refused(s, messages, "mounted partition", repo, dev, "is mounted");
            } finally {
              umount(mnt);
            }
          } finally {
            Commands.run(null, List.of("partx", "-d", dev.toString()));
          }
        }
        // Too small.
        Path small = pattern("small.img", "24M", random);
        try (LoopDevice loop = LoopDevice.attach(small)) {
          refused(s, messages, "too small", repo, loop.path(), "more");
        }
        // Read-only.
        Path ro = pattern("ro.img", "128M", random);
        try (LoopDevice loop = LoopDevice.attach(ro, 0, 0, true)) {
          refused(s, messages, "read-only", repo, loop.path(), "read-only");
        }
        // The disk that holds the repository (mounted read-only once it has a version).
        Path holding = tmp.resolve("holding.img");
        Commands.check(null, "truncate", "-s", "256M", holding.toString());
        try (LoopDevice loop = LoopDevice.attach(holding)) {
          Commands.check(null, "mkfs.btrfs", "-q", "-f", loop.path().toString());
          Path mnt = Files.createDirectories(tmp.resolve("mnt-repo"));
          Commands.check(null, "mount", loop.path().toString(), mnt.toString());
          try {
            Path inner = mnt.resolve("repo");
            assertThat(Cli.run("init", "--repo", inner.toString()).exitCode()).isZero();
            assertThat(
                    Cli.run("backup", "--repo", inner.toString(), "--source", card.toString())
                        .exitCode())
                .isZero();
            Commands.check(null, "mount", "-o", "remount,ro", mnt.toString());
            refused(s, messages, "holds the repository", inner, loop.path(), "holds " + inner);
          } finally {
            umount(mnt);
          }
        }
        for (String name : List.of("mounted.img", "parted.img", "small.img", "ro.img")) {
          Files.deleteIfExists(tmp.resolve(name));
        }
        Files.deleteIfExists(holding);
      }
      messages.forEach((k, v) -> s.note(k + ": " + v));
      s.passed();
    }
  }

  private void refused(
      Torture.Scenario s,
      Map<String, String> messages,
      String kind,
      Path repo,
      Path target,
      String reason)
      throws Exception {
    String before = sha256(target);
    Cli.Result r =
        Cli.run("recover", "--repo", repo.toString(), "--to", target.toString(), "--yes");
    assertThat(r.exitCode()).as(kind + ": " + r).isEqualTo(ExitCodes.UNSAFE);
    Torture.assertCleanMessage(r.err(), kind);
    assertThat(r.err()).as(kind).contains(reason).contains("nothing was written");
    assertThat(sha256(target)).as(kind + ": the device's bytes are unchanged").isEqualTo(before);
    messages.put(
        kind,
        r.err()
            .strip()
            .replace(target.toString(), "DEV")
            .replace(repo.toString(), "REPO")
            .replace(tmp.toString(), "TMP"));
    s.trial();
  }

  /** A sparse image with random bytes in its first and last MiB, where recover writes first. */
  private Path pattern(String name, String size, Random random) throws Exception {
    Path file = tmp.resolve(name);
    Commands.check(null, "truncate", "-s", size, file.toString());
    byte[] mib = new byte[1 << 20];
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      random.nextBytes(mib);
      raf.seek(0);
      raf.write(mib);
      random.nextBytes(mib);
      raf.seek(raf.length() - mib.length);
      raf.write(mib);
    }
    return file;
  }

  private static void mount(Path device, Path mnt) throws Exception {
    Commands.check(null, "mount", "-o", "ro", device.toString(), mnt.toString());
  }

  private static void umount(Path mnt) throws Exception {
    if (Commands.run(null, List.of("umount", mnt.toString())).exitCode() != 0) {
      Commands.run(null, List.of("umount", "-l", mnt.toString()));
    }
  }

  private static String sha256(Path device) throws Exception {
    return Commands.check(null, "sha256sum", device.toString()).substring(0, 64);
  }
}
