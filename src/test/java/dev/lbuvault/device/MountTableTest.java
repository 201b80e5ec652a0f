package dev.lbuvault.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MountTableTest {
  private static final List<String> SAMPLE =
      List.of(
          "22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro",
          "30 22 0:26 / /media rw,nosuid shared:7 - tmpfs tmpfs rw,size=1024k",
          "41 30 179:1 / /media/mmcblk0p1 ro,relatime shared:20 - vfat /dev/mmcblk0p1 "
              + "ro,fmask=0022,dmask=0022,codepage=437",
          "42 30 8:17 / /media/usb\\040stick rw,relatime - vfat /dev/sdb1 rw",
          "this line is not mountinfo",
          "43 41 8:33 / /media/mmcblk0p1 rw,relatime shared:21 master:3 - vfat /dev/sdc1 rw",
          "44 22 0:40 / /srv/ro-super rw,relatime - ext4 /dev/sdd1 ro");

  private final MountTable table = MountTable.parse(SAMPLE);

  @Test
  void theLongestMountPointContainingTheDirectoryWins() {
    assertThat(table.entryFor(Path.of("/media/other")).map(MountEntry::device)).contains("tmpfs");
    assertThat(table.entryFor(Path.of("/etc/lbu")).map(MountEntry::device))
        .contains("/dev/nvme0n1p2");
  }

  @Test
  void theLastOfSeveralMountsOnTheSameDirectoryWinsBecauseItHidesTheOthers() {
    assertThat(table.entryFor(Path.of("/media/mmcblk0p1/cache")))
        .contains(new MountEntry(Path.of("/media/mmcblk0p1"), "/dev/sdc1", "vfat", false));
  }

  @Test
  void octalEscapesInMountPointsAreDecoded() {
    assertThat(table.entryFor(Path.of("/media/usb stick/rpi.apkovl.tar.gz")))
        .contains(new MountEntry(Path.of("/media/usb stick"), "/dev/sdb1", "vfat", false));
    assertThat(MountTable.unescape("a\\011b\\134c\\012d\\999")).isEqualTo("a\tb\\c\nd\\999");
  }

  @Test
  void aMountIsReadOnlyWhenEitherItsOwnOrItsSuperblockOptionsSaySo() {
    MountTable card = MountTable.parse(SAMPLE.subList(0, 3));
    assertThat(card.entryFor(Path.of("/media/mmcblk0p1")).map(MountEntry::readOnly)).contains(true);
    assertThat(table.entryFor(Path.of("/srv/ro-super/x")).map(MountEntry::readOnly)).contains(true);
    assertThat(table.entryFor(Path.of("/")).map(MountEntry::readOnly)).contains(false);
  }

  @Test
  void aPrefixThatIsNotAWholePathComponentDoesNotMatch() {
    assertThat(table.entryFor(Path.of("/media/mmcblk0p10")).map(MountEntry::device))
        .contains("tmpfs");
  }

  @Test
  void malformedLinesAreSkippedAndNothingMatchesAnEmptyTable() {
    assertThat(table.entries()).hasSize(6);
    assertThat(MountTable.parse(List.of("garbage")).entryFor(Path.of("/"))).isEmpty();
  }

  @Test
  void theRealMountTableOfThisProcessHasARootMount() throws Exception {
    Path mountinfo = Path.of("/proc/self/mountinfo");
    assertThat(Files.isReadable(mountinfo)).as("lbuvault runs on Linux").isTrue();

    MountEntry root = MountTable.read(mountinfo).entryFor(Path.of("/")).orElseThrow();

    assertThat(root.mountPoint()).isEqualTo(Path.of("/"));
    assertThat(root.fsType()).isNotBlank();
  }

  @Test
  void readingSurvivesBytesThatAreNotUtf8(@TempDir Path dir) throws Exception {
    byte[] line =
        "50 22 8:1 / /mnt/caf\u00e9 rw - ext4 /dev/sde1 rw\n"
            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    Path mountinfo = Files.write(dir.resolve("mountinfo"), line);

    assertThat(MountTable.read(mountinfo).entries())
        .singleElement()
        .extracting(MountEntry::device)
        .isEqualTo("/dev/sde1");
  }
}
