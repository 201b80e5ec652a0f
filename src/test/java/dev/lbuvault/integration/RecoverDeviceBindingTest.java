package dev.lbuvault.integration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbuvault.cli.ExitCodes;
import dev.lbuvault.device.DeviceBusyException;
import dev.lbuvault.device.ExclusiveDevice;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.LoopDevice;
import dev.lbuvault.testing.PromptedRecover;
import dev.lbuvault.testing.Tools;
import dev.lbuvault.testing.Waits;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * recover stays bound to the device it checked: the confirmation prompt is driven through a pipe,
 * and while it waits the real loop device is mounted, or its node re-pointed at another file.
 * Either way recover must refuse (exit 3) and leave every byte as it was. And the exclusive open
 * really holds the device: a mount fails while lbuvault holds it.
 */
class RecoverDeviceBindingTest {
  private static final long SIZE = 128L << 20;
  private static final int MIB = 1 << 20;

  @TempDir Path tmp;
  String repo;

  @BeforeEach
  void setUp() throws Exception {
    Tools.requireRoot();
    Tools.require("losetup");
    Tools.require("mkfs.ext4");
    Path card = Cards.make(tmp.resolve("card"));
    repo = tmp.resolve("repo").toString();
    assertThat(Cli.run("init", "--repo", repo).exitCode()).isZero();
    assertThat(Cli.run("backup", "--repo", repo, "--source", card.toString()).exitCode()).isZero();
  }

  /** A disk file whose first KiB and last MiB (where recover writes first) hold random bytes. */
  private Path patterned(String name, long seed) throws Exception {
    Path file = tmp.resolve(name);
    Commands.check(null, "truncate", "-s", Long.toString(SIZE), file.toString());
    writeRandom(file, 0, 1024, seed);
    writeRandom(file, SIZE - MIB, MIB, seed + 1);
    return file;
  }

  private static void writeRandom(Path file, long offset, int length, long seed) throws Exception {
    byte[] bytes = new byte[length];
    new Random(seed).nextBytes(bytes);
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(offset);
      raf.write(bytes);
    }
  }

  /** The bytes recover would overwrite first: the first KiB and the last MiB. */
  private static String firstWrites(Path file) throws Exception {
    byte[] head = new byte[1024];
    byte[] tail = new byte[MIB];
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      raf.readFully(head);
      raf.seek(raf.length() - MIB);
      raf.readFully(tail);
    }
    return dev.lbuvault.fs.Sha256.of(head) + dev.lbuvault.fs.Sha256.of(tail);
  }

  private static String name(Path device) {
    return device.getFileName().toString();
  }

  @Test
  void aDeviceMountedWhileThePromptWaitsIsRefusedAndUntouched() throws Exception {
    Path file = patterned("card-a.img", 1);
    Commands.check(null, "mkfs.ext4", "-q", "-F", "-E", "nodiscard", file.toString());
    // mkfs may clear the boot sector: put a pattern back where the MBR would go.
    writeRandom(file, 0, 1024, 9);
    String before = firstWrites(file);
    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    Path log = tmp.resolve("recover.log");
    try (LoopDevice loop = LoopDevice.attach(file)) {
      PromptedRecover p = PromptedRecover.start(repo, loop.path(), log);
      Commands.check(
          null, "mount", "-t", "ext4", "-o", "rw", loop.path().toString(), mnt.toString());
      try {
        int code = p.answer(name(loop.path()));
        assertThat(code).as(Files.readString(log)).isEqualTo(ExitCodes.UNSAFE);
        assertThat(Files.readString(log)).contains("mounted").contains("nothing was written");
      } finally {
        Commands.check(null, "umount", mnt.toString());
      }
    }
    assertThat(firstWrites(file)).isEqualTo(before);
    Commands.Output fsck = Commands.run(null, List.of("e2fsck", "-fn", file.toString()));
    assertThat(fsck.exitCode()).as(fsck.stdout() + fsck.stderr()).isZero();
  }

  @Test
  void aLoopNodeRepointedWhileThePromptWaitsIsRefusedAndBothFilesUntouched() throws Exception {
    Path a = patterned("card-a.img", 1);
    Path b = patterned("card-b.img", 2);
    String beforeA = Commands.check(null, "sha256sum", a.toString()).substring(0, 64);
    String beforeB = Commands.check(null, "sha256sum", b.toString()).substring(0, 64);
    Path log = tmp.resolve("recover.log");
    try (LoopDevice loop = LoopDevice.attach(a)) {
      PromptedRecover p = PromptedRecover.start(repo, loop.path(), log);
      Commands.check(null, "losetup", "-d", loop.path().toString());
      Waits.until(
          Duration.ofSeconds(30),
          "the loop device to detach",
          () ->
              Commands.run(null, List.of("losetup", loop.path().toString(), b.toString()))
                      .exitCode()
                  == 0);
      int code = p.answer(name(loop.path()));
      assertThat(code).as(Files.readString(log)).isEqualTo(ExitCodes.UNSAFE);
      assertThat(Files.readString(log))
          .contains("changed since it was checked")
          .contains("nothing was written");
    }
    assertThat(Commands.check(null, "sha256sum", a.toString()).substring(0, 64)).isEqualTo(beforeA);
    assertThat(Commands.check(null, "sha256sum", b.toString()).substring(0, 64)).isEqualTo(beforeB);
  }

  @Test
  void whileLbuvaultHoldsTheDeviceAMountFailsAndAMountedDeviceCannotBeHeld() throws Exception {
    Path file = tmp.resolve("held.img");
    Commands.check(null, "truncate", "-s", Long.toString(SIZE), file.toString());
    Commands.check(null, "mkfs.ext4", "-q", "-F", file.toString());
    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    try (LoopDevice loop = LoopDevice.attach(file)) {
      List<String> mount = List.of("mount", "-t", "ext4", loop.path().toString(), mnt.toString());
      try (ExclusiveDevice held = ExclusiveDevice.open(loop.path())) {
        Commands.Output refused = Commands.run(null, mount);
        assertThat(refused.exitCode()).as("mount while held: " + refused.stderr()).isNotZero();
        // Writes through the held descriptor reach the device.
        assertThat(held.channel().size()).isEqualTo(SIZE);
      }
      Commands.check(null, mount.toArray(String[]::new));
      try {
        assertThatThrownBy(() -> ExclusiveDevice.open(loop.path()))
            .isInstanceOf(DeviceBusyException.class)
            .hasMessageContaining(loop.path().toString());
      } finally {
        Commands.check(null, "umount", mnt.toString());
      }
    }
  }
}
