package dev.lbuvault.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Holders (dm-crypt, LVM, md) on a real loop device, seen through a copy of its real sysfs entry
 * with a dm holder added. The holder is the only fake part, and it is fake because the kernel these
 * tests run on (the build machine and CI) has no device-mapper or md, so a real holder cannot be
 * made.
 */
class TargetSafetySysfsCopyTest {
  private static final long MIB = 1024 * 1024;

  @TempDir Path dir;

  @Test
  void aDeviceWithADmCryptHolderIsRefusedNamingTheHolderAndItsName() throws Exception {
    try (LoopDevice loop = LoopDevice.create(dir, "card.img", 64 * MIB)) {
      SysfsCopy sys = SysfsCopy.of(dir, loop.name());
      sys.addDmHolder(loop.name(), "dm-7", "luks-card");
      TargetSafety safety = safety(sys, Path.of("/proc/self/mountinfo"));

      assertThat(devices(sys).inspect(loop.path()).holders()).containsExactly("dm-7");
      assertThat(safety.check(loop.path(), MIB, List.of()))
          .extracting(Refusal::reason)
          .containsExactly(
              loop.path()
                  + " is in use by dm-7 (luks-card) (dm-crypt, LVM or md); release it first:"
                  + " cryptsetup close, vgchange -an or mdadm --stop");
    }
  }

  @Test
  void aDiskUnderTheDmDeviceHoldingTheRepositoryIsRefusedThroughTheHolderChain() throws Exception {
    try (LoopDevice loop = LoopDevice.create(dir, "card.img", 64 * MIB)) {
      SysfsCopy sys = SysfsCopy.of(dir, loop.name());
      sys.addDmHolder(loop.name(), "dm-7", "vault");
      Path mnt = dir.resolve("vault");
      Path repo = mnt.resolve("repo");
      // Without udev there may be no /dev/mapper node: the dm device is found by its name.
      Path mountinfo =
          Files.writeString(
              dir.resolve("mountinfo"),
              "22 1 252:4000 / " + mnt + " rw,relatime - ext4 /dev/mapper/vault rw\n");

      List<String> reasons =
          safety(sys, mountinfo).check(loop.path(), MIB, List.of(repo)).stream()
              .map(Refusal::reason)
              .toList();

      assertThat(reasons)
          .contains(
              loop.path()
                  + " holds "
                  + repo
                  + " (/dev/mapper/vault mounted at "
                  + mnt
                  + "), which must survive the recovery; choose another device")
          .contains(
              loop.path()
                  + " is mounted (/dev/mapper/vault at "
                  + mnt
                  + "); unmount it first: umount "
                  + mnt)
          .anyMatch(r -> r.contains(" is in use by dm-7 (vault)"))
          .hasSize(3);
    }
  }

  private static BlockDevices devices(SysfsCopy sys) {
    return new BlockDevices(sys.root(), Path.of("/dev"));
  }

  private TargetSafety safety(SysfsCopy sys, Path mountinfo) {
    return new TargetSafety(devices(sys), mountinfo, dir.resolve("no-swaps"));
  }
}
