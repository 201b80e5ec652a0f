package dev.lbuvault.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Tools;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Our FAT32 geometry against the reference: mkfs.fat -F 32 on sparse images of the same size must
 * choose the same cluster size, reserved sectors, FAT length and cluster count.
 */
class FatLayoutMkfsTest {
  /**
   * mkfs.fat rounds the sector count of an image down to a multiple of its made-up track size (32
   * or 63 sectors), a CHS relic we do not copy; sizes that are multiples of 2016 sectors (32 x 63)
   * are left alone, so the two can be compared exactly.
   */
  private static final long TRACK_LCM_SECTORS = 32 * 63;

  @TempDir Path dir;

  /** What mkfs.fat put in a boot sector. */
  private record Bpb(int sectorsPerCluster, int reserved, long totalSectors, long fatSectors) {
    long clusters() {
      return (totalSectors - reserved - 2 * fatSectors) / sectorsPerCluster;
    }
  }

  private Bpb mkfs(long bytes) throws IOException {
    Path mkfs = Tools.require("mkfs.fat");
    Path image = ImageFixtures.sparseFile(dir.resolve("mkfs-" + bytes + ".img"), bytes);
    try {
      Commands.check(null, mkfs.toString(), "-F", "32", image.toString());
      ByteBuffer b = ByteBuffer.wrap(ImageFixtures.readBytes(image, 0, 512));
      b.order(ByteOrder.LITTLE_ENDIAN);
      return new Bpb(
          b.get(0x0D) & 0xFF,
          b.getShort(0x0E) & 0xFFFF,
          b.getInt(0x20) & 0xFFFFFFFFL,
          b.getInt(0x24) & 0xFFFFFFFFL);
    } finally {
      Files.delete(image);
    }
  }

  @ParameterizedTest(name = "{0} MiB")
  @ValueSource(longs = {34, 64, 256, 1024, 8 * 1024, 16 * 1024, 32 * 1024, 64 * 1024, 128 * 1024})
  void geometryMatchesMkfsFat(long mib) throws Exception {
    long sectors = (mib << 11) / TRACK_LCM_SECTORS * TRACK_LCM_SECTORS;
    Bpb reference = mkfs(sectors * 512);
    assertThat(reference.totalSectors()).isEqualTo(sectors);

    FatLayout ours = FatLayout.plan(new FatSpec(List.of(), sectors * 512, 1, ""));

    assertThat(ours.sectorsPerCluster()).isEqualTo(reference.sectorsPerCluster());
    assertThat(ours.reservedSectors()).isEqualTo(reference.reserved());
    assertThat(ours.fatSectors()).isEqualTo(reference.fatSectors());
    assertThat(ours.clusterCount()).isEqualTo(reference.clusters());
  }

  /** Either side of each step of the cluster-size table (mkfs.fat floors the size to MiB). */
  @ParameterizedTest(name = "{0} MiB")
  @ValueSource(
      longs = {
        260,
        261,
        8 * 1024,
        8 * 1024 + 1,
        16 * 1024,
        16 * 1024 + 1,
        32 * 1024,
        32 * 1024 + 1
      })
  void clusterSizeStepsWhereMkfsFatsStep(long mib) throws Exception {
    Bpb reference = mkfs(mib << 20);

    FatLayout ours = FatLayout.plan(new FatSpec(List.of(), mib << 20, 1, ""));

    assertThat(ours.sectorsPerCluster()).isEqualTo(reference.sectorsPerCluster());
    assertThat(ours.reservedSectors()).isEqualTo(reference.reserved());
  }

  /** Our own filesystem at each size passes fsck.fat, FATs and all. */
  @ParameterizedTest(name = "{0} MiB")
  @ValueSource(longs = {64, 1024, 32 * 1024, 64 * 1024})
  void ourFilesystemAtEachSizePassesFsck(long mib) throws Exception {
    FileTime t = FileTime.fromMillis(1_700_000_000_000L);
    FatLayout layout =
        FatLayout.plan(
            new FatSpec(
                List.of(new FatFile("config.txt", 100, t), new FatFile("boot/big", 5_000_000, t)),
                mib << 20,
                0x0BADCAFE,
                "SIZE" + mib));
    Path image = dir.resolve("ours-" + mib + ".img");
    ImageFixtures.writeImage(image, layout, false);

    Commands.Output fsck = ImageFixtures.fsck(image);

    assertThat(fsck.exitCode()).as(fsck.stdout() + fsck.stderr()).isZero();
    assertThat(fsck.stdout())
        .contains(layout.clusterCount() + " data clusters")
        .doesNotContain("Perform changes");
    Files.delete(image);
  }
}
