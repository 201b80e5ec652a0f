package dev.lbuvault.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BootCheckTest {
  private static final Set<String> CARD =
      Set.of(
          "config.txt",
          "cmdline.txt",
          "start4.elf",
          "fixup4.dat",
          "boot/vmlinuz-rpi",
          "boot/initramfs-rpi",
          "apks/.boot_repository",
          "apks/aarch64/busybox-1.37.0-r12.apk",
          "cache/py3-foo-bar-2.0-r1.1a2b3c4d.apk");
  private static final String CONFIG =
      "# comment\nkernel=boot/vmlinuz-rpi\ninitramfs boot/initramfs-rpi\narm_64bit=1\ninclude usercfg.txt\n";

  @Test
  void theCurrentAlpineLayoutBoots() {
    BootCheck.Result r = BootCheck.check(CARD, CONFIG, List.of("busybox"));
    assertThat(r.bootable()).isTrue();
    assertThat(r.missingPackages()).isEmpty();
  }

  @Test
  void everyKernelAndInitramfsInAnySectionMustExistIgnoringCase() {
    String old =
        CONFIG + "[pi4]\nkernel=/boot/vmlinuz-rpi4\ninitramfs BOOT/INITRAMFS-RPI followkernel\n";
    BootCheck.Result r = BootCheck.check(CARD, old, List.of());
    assertThat(r.missingBootFiles()).containsExactly("boot/vmlinuz-rpi4 (named in config.txt)");
  }

  @Test
  void aCardWithOnlyTheConfigMissesEverythingTheFirmwareNeeds() {
    BootCheck.Result r =
        BootCheck.check(Set.of("rpi.apkovl.tar.gz", "usercfg.txt"), null, List.of());
    assertThat(r.bootable()).isFalse();
    assertThat(r.missingBootFiles())
        .contains("config.txt", "cmdline.txt")
        .anyMatch(m -> m.startsWith("start*.elf"))
        .anyMatch(m -> m.startsWith("fixup*.dat"))
        .anyMatch(m -> m.startsWith("apks/.boot_repository"));
  }

  @Test
  void worldPackagesAreFoundByNameNotByPrefixAndConstraintsAreIgnored() {
    BootCheck.Result r =
        BootCheck.check(
            CARD, CONFIG, List.of("busybox>=1.36", "py3-foo", "py3-foo-bar", "chrony@edge"));
    assertThat(r.missingPackages()).containsExactly("py3-foo", "chrony");
  }
}
