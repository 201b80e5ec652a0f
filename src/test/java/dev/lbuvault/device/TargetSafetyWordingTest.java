package dev.lbuvault.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TargetSafetyWordingTest {
  private final TargetSafety safety =
      new TargetSafety(
          new BlockDevices(Path.of("/sys"), Path.of("/dev")),
          Path.of("/proc/self/mountinfo"),
          Path.of("/proc/swaps"));

  private static BlockDeviceInfo usbReader(long size, boolean removable) {
    return new BlockDeviceInfo(
        "sdb",
        Path.of("/dev/sdb"),
        size,
        false,
        removable,
        false,
        "Generic",
        "STORAGE DEVICE",
        "000000001536",
        List.of("sdb1", "sdb2"),
        List.of());
  }

  @Test
  void aCardReaderIsDescribedByMakerModelSizeSerialAndRemovability() {
    assertThat(TargetSafety.describe(usbReader(31_914_983_424L, true)))
        .isEqualTo(
            "/dev/sdb: Generic STORAGE DEVICE, 31.9 GB (31914983424 bytes), serial 000000001536,"
                + " removable");
  }

  @Test
  void aRemovableCardOfAUsualSizeGetsNoWarnings() {
    assertThat(safety.warnings(usbReader(31_914_983_424L, true))).isEmpty();
  }

  @Test
  void aDiskLargerThan128GbIsWarnedAboutEvenWhenRemovable() {
    assertThat(safety.warnings(usbReader(256_060_514_304L, true)))
        .containsExactly("/dev/sdb is 256 GB, larger than 128 GB: is it really the SD card?");
  }

  @Test
  void aCardTooSmallForTheImageIsToldHowMuchMoreIsNeeded() {
    assertThat(TargetSafety.tooSmall("/dev/sdb", 3_904_897_024L, 4_217_372_672L))
        .isEqualTo(
            "/dev/sdb is 3.9 GB (3904897024 bytes), the image needs 4.2 GB (4217372672 bytes):"
                + " 312 MB more; use a bigger card or --size");
  }

  @Test
  void aReaderWithoutACardIsAskedForOne() {
    assertThat(TargetSafety.tooSmall("/dev/sdb", 0, 4_217_372_672L))
        .isEqualTo("/dev/sdb has size 0: is a card in the reader?");
  }

  @ParameterizedTest
  @CsvSource({
    "0, 0 bytes",
    "999, 999 bytes",
    "1000, 1.0 kB",
    "67108864, 67.1 MB",
    "134217728, 134 MB",
    "999960000, 1.0 GB",
    "31914983424, 31.9 GB",
    "128000000000, 128 GB",
    "2000000000000, 2.0 TB"
  })
  void sizesAreShownInDecimalUnitsAsCardsAreSold(long bytes, String shown) {
    assertThat(TargetSafety.human(bytes)).isEqualTo(shown);
  }
}
