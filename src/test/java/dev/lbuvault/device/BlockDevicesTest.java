package dev.lbuvault.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockDevicesTest {
  private static final long MIB = 1024 * 1024;

  private final BlockDevices devices = new BlockDevices(Path.of("/sys"), Path.of("/dev"));

  @TempDir Path dir;

  @Test
  void aFreeLoopDeviceIsAWholeWritableDiskOfItsFileSizeWithNoHolders() throws Exception {
    try (LoopDevice loop = LoopDevice.create(dir, "card.img", 64 * MIB)) {
      BlockDeviceInfo info = devices.inspect(loop.path());

      assertThat(info.name()).isEqualTo(loop.name());
      assertThat(info.devicePath()).isEqualTo(loop.path());
      assertThat(info.sizeBytes()).isEqualTo(64 * MIB);
      assertThat(info.partition()).isFalse();
      assertThat(info.readOnly()).isFalse();
      assertThat(info.removable()).isFalse();
      assertThat(info.holders()).isEmpty();
      assertThat(info.partitions()).isEmpty();
      // A loop device has no hardware behind it, only the file it was attached to.
      assertThat(info.vendor()).isNull();
      assertThat(info.model()).isNull();
      assertThat(info.backingFile()).isEqualTo(loop.image());
    }
  }

  @Test
  void aSymlinkSuchAsDiskByIdIsFollowedToTheKernelsName() throws Exception {
    try (LoopDevice loop = LoopDevice.create(dir, "card.img", 64 * MIB)) {
      Path byId = Files.createSymbolicLink(dir.resolve("usb-Generic_STORAGE_DEVICE"), loop.path());
      try {
        BlockDeviceInfo info = devices.inspect(byId);

        assertThat(info.name()).isEqualTo(loop.name());
        assertThat(info.devicePath()).isEqualTo(loop.path());
      } finally {
        Files.delete(byId); // before @TempDir cleanup, which warns about links leaving the dir
      }
    }
  }

  @Test
  void aDiskListsItsPartitionsInOrderAndEachPartitionKnowsItIsOne() throws Exception {
    try (LoopDevice loop = LoopDevice.attach(partitionedImage(dir), "-P")) {
      loop.addPartitions();

      BlockDeviceInfo disk = devices.inspect(loop.path());
      BlockDeviceInfo first = devices.inspect(loop.partition(1));

      assertThat(disk.partitions()).containsExactly(loop.name() + "p1", loop.name() + "p2");
      assertThat(disk.partition()).isFalse();
      assertThat(first.partition()).isTrue();
      assertThat(first.sizeBytes()).isEqualTo(16 * MIB);
      assertThat(first.backingFile()).as("taken from its disk").isEqualTo(loop.image());
      assertThat(devices.parentOf(first.name())).contains(loop.name());
    }
  }

  @Test
  void aRegularFileIsNotABlockDeviceAndTheMessageNamesIt() throws Exception {
    Path file = Files.writeString(dir.resolve("card.img"), "not a disk");

    assertThatThrownBy(() -> devices.inspect(file))
        .isInstanceOf(NotABlockDeviceException.class)
        .hasMessage(file + " is a regular file, not a block device");
  }

  @Test
  void devNullIsACharacterDeviceNotABlockDevice() {
    assertThatThrownBy(() -> devices.inspect(Path.of("/dev/null")))
        .isInstanceOf(NotABlockDeviceException.class)
        .hasMessage("/dev/null is a character device, not a block device");
  }

  @Test
  void aPathThatDoesNotExistIsNotABlockDevice() {
    Path missing = dir.resolve("sdz");

    assertThatThrownBy(() -> devices.inspect(missing))
        .isInstanceOf(NotABlockDeviceException.class)
        .hasMessage(missing + " does not exist");
  }

  @Test
  void deviceNumbersAreSplitAsGlibcSplitsThem() {
    // makedev(259, 1048576) as glibc encodes it: minor bits above 8 go to bits 20..43.
    long dev = (259L & 0xfff) << 8 | (1048576L & 0xff) | (1048576L & ~0xffL) << 12;

    assertThat(BlockDevices.major(dev)).isEqualTo(259);
    assertThat(BlockDevices.minor(dev)).isEqualTo(1048576);
  }

  /** A 64 MiB image with a DOS table: 16 MiB FAT32 boot partition and a Linux one, like a Pi's. */
  static Path partitionedImage(Path dir) throws Exception {
    Path sfdisk = Tools.require("sfdisk");
    Path image = dir.resolve("pi.img");
    Commands.check(null, "truncate", "-s", Long.toString(64 * MIB), image.toString());
    Path script =
        Files.writeString(
            dir.resolve("table.sfdisk"),
            "label: dos\nstart=2048, size=32768, type=c\nstart=34816, type=83\n");
    // sfdisk reads its script only from stdin.
    Commands.check(
        null,
        "sh",
        "-c",
        "\"$0\" -q \"$1\" < \"$2\"",
        sfdisk.toString(),
        image.toString(),
        script.toString());
    return image;
  }
}
