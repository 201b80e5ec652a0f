package dev.lbuvault.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Tools;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** FatReader on filesystems made by the reference tools, and on damaged ones. */
class FatReaderTest {
  private static final FileTime T = FileTime.from(Instant.parse("2022-02-22T22:22:22Z"));

  @TempDir Path dir;

  /** Source files for mcopy: names that need LFN, the NT lower-case flags, or neither. */
  private static final List<FatFile> SOURCE =
      List.of(
          new FatFile("config.txt", 120, T),
          new FatFile("README", 7, T),
          new FatFile("Mixed Case Name.Text", 3_000, T),
          new FatFile("boot/vmlinuz-rpi", 1_500_000, T),
          new FatFile("boot/empty", 0, T),
          new FatFile("apks/aarch64/APKINDEX.tar.gz", 70_001, T),
          new FatFile("ünï/日本.txt", 10, T));

  private Path sourceTree() throws IOException {
    Path src = dir.resolve("src");
    for (FatFile f : SOURCE) {
      Path p = src.resolve(f.path());
      Files.createDirectories(p.getParent());
      try (InputStream in = ImageFixtures.content(f.path(), f.size())) {
        Files.copy(in, p);
      }
      Files.setLastModifiedTime(p, f.mtime());
    }
    return src;
  }

  @ParameterizedTest(name = "FAT{0}")
  @CsvSource({"32, 40000", "16, 16000", "12, 3000"})
  void readsWhatMkfsFatAndMcopyMade(int bits, int sizeKib) throws Exception {
    Path mkfs = Tools.require("mkfs.fat");
    Path src = sourceTree();
    Path image = dir.resolve("ref.img");
    Commands.check(
        null,
        mkfs.toString(),
        "-C",
        "-F",
        String.valueOf(bits),
        "-i",
        "DEADBEEF",
        "-n",
        "REF CARD",
        image.toString(),
        String.valueOf(sizeKib));
    try (var children = Files.list(src)) {
      for (Path child : children.toList()) {
        ImageFixtures.mtools("mcopy", "-s", "-m", "-i", image.toString(), child.toString(), "::");
      }
    }

    try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
      FatReader reader = FatReader.open(ch, 0);
      assertThat(reader.fatType()).isEqualTo("FAT" + bits);
      assertThat(reader.volumeId()).isEqualTo(0xDEADBEEF);
      assertThat(reader.label()).isEqualTo("REF CARD");
      Map<String, FatEntry> entries =
          reader.list().stream().collect(Collectors.toMap(FatEntry::path, Function.identity()));
      assertThat(entries.keySet())
          .containsExactlyInAnyOrder(
              "config.txt",
              "README",
              "Mixed Case Name.Text",
              "boot",
              "boot/vmlinuz-rpi",
              "boot/empty",
              "apks",
              "apks/aarch64",
              "apks/aarch64/APKINDEX.tar.gz",
              "ünï",
              "ünï/日本.txt");
      for (FatFile f : SOURCE) {
        FatEntry e = entries.get(f.path());
        assertThat(e.size()).as(f.path()).isEqualTo(f.size());
        assertThat(e.directory()).isFalse();
        assertThat(e.mtime()).as(f.path()).isEqualTo(f.mtime());
        try (InputStream in = reader.open(e)) {
          assertThat(ImageFixtures.sha256(in))
              .as(f.path())
              .isEqualTo(ImageFixtures.expectedSha256(f));
        }
      }
    }
  }

  @Test
  void theRootLabelEntryWinsOverTheBootSectorAndTheBootSectorIsTheFallback() throws Exception {
    Path labelled = dir.resolve("labelled.img");
    ImageFixtures.writeImage(
        labelled, FatLayout.plan(new FatSpec(List.of(), 40L << 20, 5, "ROOTLABEL")), false);
    patch(labelled, 0x47, "BOOTLABEL  ".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    Path unlabelled = dir.resolve("unlabelled.img");
    ImageFixtures.writeImage(
        unlabelled, FatLayout.plan(new FatSpec(List.of(), 40L << 20, 5, "")), false);

    assertThat(label(labelled)).isEqualTo("ROOTLABEL");
    assertThat(label(unlabelled)).isNull();
    patch(unlabelled, 0x47, "BOOTONLY   ".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    assertThat(label(unlabelled)).isEqualTo("BOOTONLY");
  }

  @Test
  void aDirectoryChainThatLoopsIsAnErrorNotAHang() throws Exception {
    FatLayout layout =
        FatLayout.plan(new FatSpec(List.of(new FatFile("d/f", 1, T)), 40L << 20, 5, "L"));
    Path image = dir.resolve("loop.img");
    ImageFixtures.writeImage(image, layout, false);
    // cluster 3 is directory "d": make its FAT entry point back to itself
    long fatEntry = layout.reservedSectors() * 512L + 3 * 4;
    patch(image, fatEntry, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(3).array());

    assertThatThrownBy(() -> list(image))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("chain loops");
  }

  @Test
  void zeroesAreNotFat() throws Exception {
    Path image = ImageFixtures.sparseFile(dir.resolve("zero.img"), 1 << 20);

    assertThatThrownBy(() -> list(image))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("not a FAT filesystem");
  }

  private static String label(Path image) throws IOException {
    try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
      return FatReader.open(ch, 0).label();
    }
  }

  private static List<FatEntry> list(Path image) throws IOException {
    try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
      return FatReader.open(ch, 0).list();
    }
  }

  private static void patch(Path image, long offset, byte[] bytes) throws IOException {
    try (FileChannel ch = FileChannel.open(image, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(bytes), offset);
    }
  }
}
