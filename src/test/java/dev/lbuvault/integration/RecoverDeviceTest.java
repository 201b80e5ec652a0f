package dev.lbuvault.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.cli.ExitCodes;
import dev.lbuvault.json.Json;
import dev.lbuvault.testing.BtrfsLoop;
import dev.lbuvault.testing.CardImages;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Cli.Result;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.LoopDevice;
import dev.lbuvault.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * recover onto real loop block devices: a round trip, and every refusal with the bytes unchanged.
 */
class RecoverDeviceTest {
  @TempDir Path tmp;
  String repo;

  @BeforeEach
  void setUp() throws Exception {
    Tools.requireRoot();
    Path card = Cards.make(tmp.resolve("card"));
    repo = tmp.resolve("repo").toString();
    assertThat(Cli.run("init", "--repo", repo).exitCode()).isZero();
    assertThat(Cli.run("backup", "--repo", repo, "--source", card.toString()).exitCode()).isZero();
  }

  private Path disk(String name, String size) throws Exception {
    Path file = tmp.resolve(name);
    Commands.check(null, "truncate", "-s", size, file.toString());
    return file;
  }

  private static String sha256(Path device) throws Exception {
    return Commands.check(null, "sha256sum", device.toString()).substring(0, 64);
  }

  @Test
  void aCardThatHeldGptAndExt4IsRebuiltAsOneBootableFatPartition() throws Exception {
    Tools.require("sfdisk");
    Tools.require("mkfs.ext4");
    Path file = disk("old-card.img", "256M");
    try (LoopDevice loop = LoopDevice.attach(file)) {
      Commands.Output gpt =
          Commands.run(
              null,
              List.of(
                  "sh",
                  "-c",
                  "printf 'label: gpt\\nstart=2048, size=200M, type=L\\n' | sfdisk -q "
                      + loop.path()));
      assertThat(gpt.exitCode()).as(gpt.stderr()).isZero();
      try (LoopDevice part = LoopDevice.attach(file, 2048L * 512, 200L << 20, false)) {
        Commands.check(null, "mkfs.ext4", "-q", part.path().toString());
      }
      Result r = Cli.run("recover", "--repo", repo, "--to", loop.path().toString(), "--yes");
      assertThat(r.exitCode()).as(r.toString()).isZero();
      assertThat(r.out()).contains("verification: OK (read back with O_DIRECT)");
      assertThat(r.err()).contains("is not removable");
    }
    Map<?, ?> table =
        (Map<?, ?>)
            ((Map<?, ?>) Json.parse(Commands.check(null, "sfdisk", "-J", file.toString())))
                .get("partitiontable");
    assertThat(table.get("label")).isEqualTo("dos");
    List<?> partitions = (List<?>) table.get("partitions");
    assertThat(partitions).hasSize(1);
    Map<?, ?> p = (Map<?, ?>) partitions.get(0);
    assertThat(p.get("start")).isEqualTo(8192L);
    assertThat(p.get("type")).isEqualTo("c");
    long partitionBytes = (Long) p.get("size") * 512;
    assertThat(partitionBytes).isEqualTo((256L << 20) - (4L << 20));
    // No stale GPT backup header may survive at the end of the disk.
    String blkid =
        Commands.run(null, List.of("blkid", "-p", "-o", "value", "-s", "PTTYPE", file.toString()))
            .stdout()
            .strip();
    assertThat(blkid).isEqualTo("dos");
    Commands.Output fsck = CardImages.fsck(file, partitionBytes);
    assertThat(fsck.exitCode()).as(fsck.stdout()).isZero();
    Path out = CardImages.extract(file, tmp.resolve("out"));
    assertThat(Files.readAllBytes(out.resolve("rpi.apkovl.tar.gz")))
        .isEqualTo(Files.readAllBytes(tmp.resolve("card/rpi.apkovl.tar.gz")));
    assertThat(Cli.run("inspect", file.toString()).exitCode()).isZero();
  }

  @Test
  void aDeviceWithAMountedFilesystemIsRefusedAndUntouched() throws Exception {
    Path file = disk("mounted.img", "256M");
    try (LoopDevice loop = LoopDevice.attach(file)) {
      Commands.check(null, "mkfs.btrfs", "-q", "-f", loop.path().toString());
      Path mnt = Files.createDirectories(tmp.resolve("mnt"));
      Commands.check(null, "mount", loop.path().toString(), mnt.toString());
      try {
        String before = sha256(loop.path());
        Result r = Cli.run("recover", "--repo", repo, "--to", loop.path().toString(), "--yes");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.UNSAFE);
        assertThat(r.err()).contains(mnt.toString()).contains("nothing was written");
        assertThat(sha256(loop.path())).isEqualTo(before);
      } finally {
        Commands.run(null, List.of("umount", mnt.toString()));
      }
    }
  }

  @Test
  void aReadOnlyDeviceIsRefused() throws Exception {
    Path file = disk("ro.img", "128M");
    try (LoopDevice loop = LoopDevice.attach(file, 0, 0, true)) {
      Result r = Cli.run("recover", "--repo", repo, "--to", loop.path().toString(), "--yes");
      assertThat(r.exitCode()).isEqualTo(ExitCodes.UNSAFE);
      assertThat(r.err()).containsIgnoringCase("read-only");
    }
    assertThat(Commands.check(null, "cmp", "-n", "1048576", file.toString(), "/dev/zero").strip())
        .isEmpty();
  }

  @Test
  void aDeviceTooSmallIsRefusedSayingByHowMuch() throws Exception {
    Path file = disk("small.img", "24M");
    Files.write(file, new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.WRITE);
    try (LoopDevice loop = LoopDevice.attach(file)) {
      String before = sha256(loop.path());
      Result r = Cli.run("recover", "--repo", repo, "--to", loop.path().toString(), "--yes");
      assertThat(r.exitCode()).isEqualTo(ExitCodes.UNSAFE);
      assertThat(r.err()).contains(loop.path().toString()).contains("more");
      assertThat(sha256(loop.path())).isEqualTo(before);
    }
  }

  @Test
  void aDeviceHoldingTheRepositoryIsRefused(@TempDir Path other) throws Exception {
    try (BtrfsLoop btrfs = BtrfsLoop.create(other, 256)) {
      String repoOnDevice = btrfs.mountPoint().resolve("repo").toString();
      assertThat(Cli.run("init", "--repo", repoOnDevice).exitCode()).isZero();
      assertThat(
              Cli.run("backup", "--repo", repoOnDevice, "--source", tmp.resolve("card").toString())
                  .exitCode())
          .isZero();
      String source =
          Commands.check(null, "findmnt", "-n", "-o", "SOURCE", btrfs.mountPoint().toString())
              .strip();
      Result r = Cli.run("recover", "--repo", repoOnDevice, "--to", source, "--yes");
      assertThat(r.exitCode()).isEqualTo(ExitCodes.UNSAFE);
      assertThat(r.err()).contains("holds " + repoOnDevice).contains("nothing was written");
    }
  }

  @Test
  void aPartitionOrANonDeviceUnderDevIsRefused() {
    Result r = Cli.run("recover", "--repo", repo, "--to", "/dev/null", "--yes");
    assertThat(r.exitCode()).isEqualTo(ExitCodes.UNSAFE);
    assertThat(r.err()).contains("/dev/null");
  }
}
