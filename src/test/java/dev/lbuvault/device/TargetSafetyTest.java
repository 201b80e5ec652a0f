package dev.lbuvault.device;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every refusal made for real on loop devices this test attaches and detaches itself. The only
 * other device touched is the one holding "/", and only by {@link TargetSafety#check}, which reads
 * sysfs and file attributes and never opens a device.
 */
class TargetSafetyTest {
  private static final long MIB = 1024 * 1024;

  private final BlockDevices devices = new BlockDevices(Path.of("/sys"), Path.of("/dev"));
  private final TargetSafety safety =
      new TargetSafety(devices, Path.of("/proc/self/mountinfo"), Path.of("/proc/swaps"));

  @TempDir Path dir;

  /** What the CLI protects: the root, the running Java and (here) a repository elsewhere. */
  private List<Path> everyDayProtectedPaths() {
    return List.of(Path.of("/"), Path.of(System.getProperty("java.home")), dir);
  }

  @Test
  void aFreeLoopDeviceBigEnoughForTheImageIsSafe() throws Exception {
    try (LoopDevice loop = LoopDevice.create(dir, "card.img", 64 * MIB)) {
      assertThat(safety.check(loop.path(), 32 * MIB, everyDayProtectedPaths())).isEmpty();
      assertThat(safety.check(loop.path(), 64 * MIB, everyDayProtectedPaths()))
          .as("exactly the image's size fits")
          .isEmpty();
    }
  }

  @Test
  void aDeviceSmallerThanTheImageIsRefusedWithBothSizesAndTheDifference() throws Exception {
    try (LoopDevice loop = LoopDevice.create(dir, "card.img", 64 * MIB)) {
      assertThat(safety.check(loop.path(), 128 * MIB, List.of()))
          .extracting(Refusal::reason)
          .containsExactly(
              loop.path()
                  + " is 67.1 MB (67108864 bytes), the image needs 134 MB (134217728 bytes):"
                  + " 67.1 MB more; use a bigger card or --size");
    }
  }

  @Test
  void aReadOnlyDeviceIsRefusedAsReadOnly() throws Exception {
    try (LoopDevice loop = LoopDevice.create(dir, "card.img", 64 * MIB, "-r")) {
      assertThat(devices.inspect(loop.path()).readOnly()).isTrue();
      assertThat(safety.check(loop.path(), MIB, List.of()))
          .extracting(Refusal::reason)
          .singleElement()
          .asString()
          .startsWith(loop.path() + " is read-only")
          .contains("lock switch");
    }
  }

  @Test
  void aMountedDeviceIsRefusedNamingTheMountPointAndIsSafeAgainAfterUnmounting() throws Exception {
    try (LoopDevice loop = LoopDevice.create(dir, "card.img", 64 * MIB)) {
      loop.format(loop.path(), "mkfs.ext4", "-q");
      Path mnt = loop.mount(loop.path(), dir.resolve("mnt"));

      assertThat(safety.check(loop.path(), MIB, List.of()))
          .extracting(Refusal::reason)
          .containsExactly(
              loop.path()
                  + " is mounted ("
                  + loop.path()
                  + " at "
                  + mnt
                  + "); unmount it first: umount "
                  + mnt);

      loop.umount(mnt);
      assertThat(safety.check(loop.path(), MIB, List.of())).isEmpty();
    }
  }

  @Test
  void aPartitionIsRefusedNamingTheWholeDiskToGiveInstead() throws Exception {
    try (LoopDevice loop = LoopDevice.attach(BlockDevicesTest.partitionedImage(dir), "-P")) {
      loop.addPartitions();

      assertThat(safety.check(loop.partition(1), MIB, List.of()))
          .extracting(Refusal::reason)
          .containsExactly(
              loop.partition(1) + " is a partition; give the whole disk, e.g. " + loop.path());
    }
  }

  @Test
  void aDiskWithAMountedPartitionIsRefusedAsMountedAndSoIsThatPartition() throws Exception {
    try (LoopDevice loop = LoopDevice.attach(BlockDevicesTest.partitionedImage(dir), "-P")) {
      loop.addPartitions();
      loop.format(loop.partition(2), "mkfs.ext4", "-q");
      Path mnt = loop.mount(loop.partition(2), dir.resolve("root part"));

      assertThat(safety.check(loop.path(), MIB, List.of()))
          .extracting(Refusal::reason)
          .containsExactly(
              loop.path()
                  + " is mounted ("
                  + loop.partition(2)
                  + " at "
                  + mnt
                  + "); unmount it first: umount '"
                  + mnt
                  + "'");
      assertThat(safety.check(loop.partition(2), MIB, List.of()))
          .extracting(Refusal::reason)
          .hasSize(2)
          .anyMatch(r -> r.contains("is a partition"))
          .anyMatch(r -> r.startsWith(loop.partition(2) + " is mounted"));
      assertThat(safety.check(loop.partition(1), MIB, List.of()))
          .as("the other partition is not mounted, only refused as a partition")
          .extracting(Refusal::reason)
          .singleElement()
          .asString()
          .contains("is a partition");
    }
  }

  @Test
  void aDiskHoldingTheRepositoryIsRefusedNamingTheRepository() throws Exception {
    try (LoopDevice loop = LoopDevice.create(dir, "btrfs.img", 256 * MIB)) {
      loop.format(loop.path(), "mkfs.btrfs", "-q", "-f");
      Path mnt = loop.mount(loop.path(), dir.resolve("mnt"));
      Path repo = Files.createDirectory(mnt.resolve("repo"));

      List<String> reasons =
          safety.check(loop.path(), MIB, List.of(Path.of("/"), repo)).stream()
              .map(Refusal::reason)
              .toList();

      assertThat(reasons)
          .contains(
              loop.path()
                  + " holds "
                  + repo
                  + " ("
                  + loop.path()
                  + " mounted at "
                  + mnt
                  + "), which must survive the recovery; choose another device")
          .anyMatch(r -> r.contains(" is mounted ("))
          .noneMatch(r -> r.contains("holds / "))
          .hasSize(2);
    }
  }

  @Test
  void everyMemberOfAMountedMultiDeviceBtrfsIsRefusedThoughOnlyOneIsNamedAsTheSource()
      throws Exception {
    // Declared last so it is closed (and unmounted) first, before the other member is detached.
    try (LoopDevice other = LoopDevice.create(dir, "b.img", 160 * MIB);
        LoopDevice mounted = LoopDevice.create(dir, "a.img", 160 * MIB)) {
      Tools.require("mkfs.btrfs");
      Commands.check(
          null,
          "mkfs.btrfs",
          "-q",
          "-f",
          "-d",
          "single",
          "-m",
          "single",
          mounted.path().toString(),
          other.path().toString());
      Path mnt = mounted.mount(mounted.path(), dir.resolve("mnt"));
      Path repo = Files.createDirectory(mnt.resolve("repo"));

      assertThat(safety.check(other.path(), MIB, List.of(repo)))
          .extracting(Refusal::reason)
          .anyMatch(r -> r.startsWith(other.path() + " is mounted (") && r.contains(" at " + mnt))
          .anyMatch(r -> r.startsWith(other.path() + " holds " + repo));
    }
  }

  @Test
  void theDiskHoldingTheRootFilesystemIsRefusedAsHoldingRootAndAsMounted() throws Exception {
    String disk = rootDisk();

    List<String> reasons =
        safety.check(rootDiskNode(disk), MIB, List.of(Path.of("/"))).stream()
            .map(Refusal::reason)
            .toList();

    Path dev = Path.of("/dev", disk);
    assertThat(reasons)
        .anyMatch(r -> r.startsWith(dev + " holds / ("))
        .anyMatch(
            r ->
                r.startsWith(dev + " is mounted (")
                    && r.matches(".* at /[,)].*")
                    && r.endsWith("; it is the running system's disk: choose another device"));
  }

  @Test
  void aRootMountedFromDevRootAsOnRaspberryPiOsIsFoundByItsDeviceNumber() throws Exception {
    String disk = rootDisk();
    // The kernel names the root= device /dev/root in mountinfo, and there is no such node.
    Path mountinfo =
        Files.writeString(
            dir.resolve("mountinfo"), "27 1 179:2 / / rw,relatime - ext4 /dev/root rw\n");
    TargetSafety piSafety = new TargetSafety(devices, mountinfo, Path.of("/proc/swaps"));

    List<String> reasons =
        piSafety.check(rootDiskNode(disk), MIB, List.of(Path.of("/"))).stream()
            .map(Refusal::reason)
            .toList();

    assertThat(reasons)
        .anyMatch(r -> r.contains(" holds / (/dev/root mounted at /)"))
        .anyMatch(r -> r.contains(" is mounted (/dev/root at /)"));
  }

  /** The whole disk under "/", found the way TargetSafety finds it. */
  private String rootDisk() throws Exception {
    MountEntry root =
        MountTable.read(Path.of("/proc/self/mountinfo")).entryFor(Path.of("/")).orElseThrow();
    Optional<String> name = devices.nameOfSource(root.device());
    if (name.isEmpty()) {
      name = devices.nameOfFilesystem(Path.of("/"));
    }
    if (name.isEmpty()) {
      LoopDevice.skipOrFail("/ is not on a block device here (" + root.device() + ")");
    }
    return devices.parentOf(name.get()).orElse(name.get());
  }

  /**
   * The root disk's node: {@code /dev/DISK} where it exists, else (this sandbox's /dev has no node
   * for its root disk) a node made in the test's directory with the number sysfs gives. Making a
   * node writes nothing to the disk, and check only reads the node's attributes.
   */
  private Path rootDiskNode(String disk) throws Exception {
    Path node = Path.of("/dev", disk);
    if (Files.exists(node)) {
      return node;
    }
    String[] number = Files.readString(Path.of("/sys/class/block", disk, "dev")).trim().split(":");
    Path made = dir.resolve(disk);
    Commands.check(null, "mknod", "-m", "0400", made.toString(), "b", number[0], number[1]);
    return made;
  }

  @Test
  void aDeviceUsedAsSwapIsRefusedAsSwap() throws Exception {
    try (LoopDevice loop = LoopDevice.create(dir, "swap.img", 64 * MIB)) {
      loop.swapOn(loop.path());

      assertThat(safety.check(loop.path(), MIB, List.of()))
          .extracting(Refusal::reason)
          .containsExactly(
              loop.path()
                  + " is in use as swap ("
                  + loop.path()
                  + "); turn it off first: swapoff "
                  + loop.path());
    }
  }

  @Test
  void aRegularFileIsRefusedNamingThePathAndHowToWriteAnImageFile() throws Exception {
    Path file = Files.writeString(dir.resolve("card.img"), "");

    assertThat(safety.check(file, MIB, List.of()))
        .extracting(Refusal::reason)
        .containsExactly(
            file
                + " is a regular file, not a block device; to write the image to a file instead,"
                + " give a path outside /dev");
  }

  @Test
  void aMissingDeviceIsRefusedWithTheSuggestionToCheckTheReader() throws Exception {
    assertThat(safety.check(Path.of("/dev/lbuvault-no-such-disk"), MIB, List.of()))
        .extracting(Refusal::reason)
        .containsExactly(
            "/dev/lbuvault-no-such-disk does not exist; is the card reader plugged in? (lsblk"
                + " lists the disks)");
  }

  @Test
  void devNullIsRefusedAsNotABlockDevice() throws Exception {
    assertThat(safety.check(Path.of("/dev/null"), MIB, List.of()))
        .extracting(Refusal::reason)
        .singleElement()
        .asString()
        .startsWith("/dev/null is a character device, not a block device;");
  }

  @Test
  void aLoopDeviceIsWarnedAboutAsNotRemovableAndDescribedWithItsFile() throws Exception {
    try (LoopDevice loop = LoopDevice.create(dir, "card.img", 64 * MIB)) {
      BlockDeviceInfo info = devices.inspect(loop.path());

      assertThat(safety.warnings(info))
          .containsExactly(loop.path() + " is not removable: is it really the SD card?");
      assertThat(TargetSafety.describe(info))
          .isEqualTo(
              loop.path()
                  + ": loop device over "
                  + loop.image()
                  + ", 67.1 MB (67108864 bytes), not removable");
    }
  }
}
