package dev.lbuvault.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Directories a card holds without files in them (a fresh host's {@code cache/}) are laid out and
 * written, judged by mtools ({@code mdir}, {@code mcopy}) and {@code fsck.fat}.
 */
class FatEmptyDirectoryTest {
  static final FileTime T = FileTime.from(Instant.parse("2024-05-01T10:20:30Z"));
  @TempDir Path dir;

  @Test
  void emptyDirectoriesNestedOnesAndOnesBesideFilesAreOnTheFilesystem() throws Exception {
    List<FatFile> files =
        List.of(new FatFile("config.txt", 10, T), new FatFile("boot/overlays/a.dtbo", 3, T));
    List<String> dirs =
        List.of("cache", "deep/er/est", "boot/overlays", "boot/empty", "Long Empty Directory Name");
    FatLayout layout = FatLayout.plan(new FatSpec(files, 40L << 20, 0x11223344, "X", dirs));
    Path image = dir.resolve("p.img");
    ImageFixtures.writeImage(image, layout, false);

    FatWriterPropertiesTest.assertCleanFsck(ImageFixtures.fsck(image), image);
    String listing = ImageFixtures.mtools("mdir", "-/", "-b", "-i", image.toString(), "::/");
    assertThat(listing.lines().map(String::strip).toList())
        .contains(
            "::/cache/",
            "::/deep/er/est/",
            "::/boot/empty/",
            "::/Long Empty Directory Name/",
            "::/boot/overlays/a.dtbo");
    // mcopy -s copies the tree out: empty directories come out as empty directories.
    Path out = dir.resolve("out");
    Files.createDirectories(out);
    ImageFixtures.mtools("mcopy", "-s", "-n", "-i", image.toString(), "::/*", out.toString());
    assertThat(out.resolve("cache")).isEmptyDirectory();
    assertThat(out.resolve("deep/er/est")).isEmptyDirectory();
    assertThat(out.resolve("boot/empty")).isEmptyDirectory();
    assertThat(out.resolve("Long Empty Directory Name")).isEmptyDirectory();
    assertThat(out.resolve("boot/overlays/a.dtbo")).hasSize(3);
  }

  @Test
  void aDirectoryWhereAFileIsAndACaseCollisionAreRefusedNamingThePath() {
    List<FatFile> files = List.of(new FatFile("cache", 1, T));
    assertThatThrownBy(
            () -> FatLayout.plan(new FatSpec(files, 40L << 20, 1, "X", List.of("cache/sub"))))
        .isInstanceOf(FatLayoutException.class)
        .hasMessageContaining("cache/sub")
        .hasMessageContaining("is a file");
    assertThatThrownBy(
            () -> FatLayout.plan(new FatSpec(List.of(), 40L << 20, 1, "X", List.of("a", "A"))))
        .isInstanceOf(FatLayoutException.class)
        .hasMessageContaining("differs only in case");
  }

  @Test
  void emptyDirectoriesCountInTheMinimumSize() throws Exception {
    List<FatFile> files = List.of(new FatFile("f", 1, T));
    List<String> many = new java.util.ArrayList<>();
    for (int i = 0; i < 70_000; i++) {
      many.add("d" + i);
    }
    // 70,000 entries exceed what one FAT32 directory may hold.
    assertThatThrownBy(() -> FatLayout.minimumPartitionBytes(files, many))
        .isInstanceOf(FatLayoutException.class)
        .hasMessageContaining("65536");
    assertThat(FatLayout.minimumPartitionBytes(files, List.of("a", "b/c")))
        .isGreaterThanOrEqualTo(FatLayout.minimumPartitionBytes(files));
  }
}
