package dev.lbuvault.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbuvault.testing.Commands;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FatWriterTest {
  private static final FileTime T = FileTime.fromMillis(1_700_000_000_000L);

  @TempDir Path dir;

  /** Remembers where and how much was written, and drops the bytes. */
  private static final class RecordingSink implements BlockSink {
    final List<long[]> writes = new ArrayList<>();

    @Override
    public void write(long offset, ByteBuffer data) {
      writes.add(new long[] {offset, data.remaining()});
      data.position(data.limit());
    }

    long total() {
      return writes.stream().mapToLong(w -> w[1]).sum();
    }
  }

  private static FatLayout layout(FatFile... files) throws FatLayoutException {
    return FatLayout.plan(new FatSpec(List.of(files), 64L << 20, 1, "T"));
  }

  @Test
  void aStreamShorterThanPlannedFailsNamingThePath() throws Exception {
    FatLayout layout = layout(new FatFile("boot/initramfs-rpi", 10_000, T));
    FatWriter writer = new FatWriter(layout, new RecordingSink(), 0);

    assertThatThrownBy(
            () -> writer.writeFile("boot/initramfs-rpi", new ByteArrayInputStream(new byte[9_999])))
        .isInstanceOf(IOException.class)
        .hasMessage("boot/initramfs-rpi: data ended after 9999 of the planned 10000 bytes");
    assertThat(writer.extents()).isEmpty();
    assertThatThrownBy(writer::finish).hasMessageContaining("boot/initramfs-rpi");
  }

  @Test
  void aStreamLongerThanPlannedFailsNamingThePath() throws Exception {
    FatLayout layout = layout(new FatFile("cmdline.txt", 10, T), new FatFile("empty", 0, T));
    FatWriter writer = new FatWriter(layout, new RecordingSink(), 0);

    assertThatThrownBy(
            () -> writer.writeFile("cmdline.txt", new ByteArrayInputStream(new byte[11])))
        .isInstanceOf(IOException.class)
        .hasMessage("cmdline.txt: data is longer than the planned 10 bytes");
    assertThatThrownBy(() -> writer.writeFile("empty", new ByteArrayInputStream(new byte[1])))
        .isInstanceOf(IOException.class)
        .hasMessage("empty: data is longer than the planned 0 bytes");
  }

  @Test
  void finishListsWhatIsMissingAndEachFileIsWrittenOnce() throws Exception {
    FatLayout layout = layout(new FatFile("a", 1, T), new FatFile("b", 1, T));
    FatWriter writer = new FatWriter(layout, new RecordingSink(), 0);
    writer.writeFile("a", new ByteArrayInputStream(new byte[1]));

    assertThatThrownBy(writer::finish)
        .isInstanceOf(IOException.class)
        .hasMessage("filesystem incomplete: structures not written; 1 file(s) not written: b");
    assertThatThrownBy(() -> writer.writeFile("a", new ByteArrayInputStream(new byte[1])))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> writer.writeFile("c", new ByteArrayInputStream(new byte[1])))
        .isInstanceOf(IllegalArgumentException.class);

    writer.writeStructures();
    writer.writeFile("b", new ByteArrayInputStream(new byte[1]));
    writer.finish();
  }

  @Test
  void bigFilesGoOutAsSequentialWritesOfAtMost4MiB() throws Exception {
    long size = 20L << 20;
    FatLayout layout = layout(new FatFile("boot/modloop-rpi", size, T));
    RecordingSink sink = new RecordingSink();
    FatWriter writer = new FatWriter(layout, sink, 1 << 22);

    try (InputStream in = ImageFixtures.content("x", size)) {
      writer.writeFile("boot/modloop-rpi", in);
    }

    assertThat(sink.writes).hasSize(5);
    long expected = (1 << 22) + layout.fileOffset("boot/modloop-rpi");
    for (long[] w : sink.writes) {
      assertThat(w[0]).isEqualTo(expected);
      assertThat(w[1]).isEqualTo(FatWriter.BUFFER_BYTES);
      expected += w[1];
    }
    assertThat(writer.extents())
        .singleElement()
        .satisfies(e -> assertThat(e.length()).isEqualTo(size));
  }

  @Test
  void theStructuresOfA64GiBCardAreStreamedInBoundedWrites() throws Exception {
    FatLayout layout = FatLayout.plan(new FatSpec(List.of(), 64L << 30, 1, "BIG"));
    RecordingSink sink = new RecordingSink();

    new FatWriter(layout, sink, 0).writeStructures();

    assertThat(sink.total())
        .isEqualTo(layout.usedBytes())
        .isEqualTo(
            (layout.reservedSectors() + 2 * layout.fatSectors()) * 512 + layout.bytesPerCluster());
    assertThat(sink.writes)
        .allSatisfy(w -> assertThat(w[1]).isLessThanOrEqualTo(FatWriter.BUFFER_BYTES));
  }

  /**
   * A write that ends inside a page makes a block device's page cache read that page from the card
   * first: every write must end on a cluster boundary, so the file's slack is written (as zeroes).
   */
  @Test
  void everyWriteEndsOnAClusterBoundary() throws Exception {
    List<FatFile> files =
        List.of(
            new FatFile("config.txt", 100, T),
            new FatFile("boot/vmlinuz-rpi", 3_000_001, T),
            new FatFile("boot/empty", 0, T),
            new FatFile("cmdline.txt", 4097, T));
    FatLayout layout = FatLayout.plan(new FatSpec(files, 40L << 20, 1, "SLACK"));
    RecordingSink sink = new RecordingSink();
    long partition = 1 << 22;
    FatWriter writer = new FatWriter(layout, sink, partition);

    writer.writeStructures();
    for (FatFile f : files) {
      try (InputStream in = ImageFixtures.content(f.path(), f.size())) {
        writer.writeFile(f.path(), in);
      }
    }
    writer.finish();

    assertThat(sink.writes)
        .allSatisfy(w -> assertThat((w[0] + w[1] - partition) % layout.bytesPerCluster()).isZero());
    assertThat(sink.total()).isEqualTo(layout.usedBytes()).isEqualTo(writer.bytesWritten());
  }

  /** A reused card holds old bytes everywhere: what we do not write must not matter. */
  @Test
  void aFilesystemWrittenOverGarbageIsClean() throws Exception {
    List<FatFile> files =
        List.of(
            new FatFile("config.txt", 100, T),
            new FatFile("boot/vmlinuz-rpi", 3_000_001, T),
            new FatFile("boot/empty", 0, T),
            new FatFile("Some Long Name.txt", 5_000, T));
    FatLayout layout = FatLayout.plan(new FatSpec(files, 40L << 20, 0x11223344, "GARBAGE"));
    Path image = dir.resolve("garbage.img");
    byte[] junk = new byte[1 << 20];
    Arrays.fill(junk, (byte) 0xA5);
    try (FileChannel ch =
        FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      for (int i = 0; i < 40; i++) {
        ch.write(ByteBuffer.wrap(junk));
      }
      FatWriter writer = new FatWriter(layout, BlockSink.of(ch), 0);
      writer.writeStructures();
      for (FatFile f : files) {
        try (InputStream in = ImageFixtures.content(f.path(), f.size())) {
          writer.writeFile(f.path(), in);
        }
      }
      writer.finish();
    }

    Commands.Output fsck = ImageFixtures.fsck(image);
    assertThat(fsck.exitCode()).as(fsck.stdout() + fsck.stderr()).isZero();
    // config.txt's slack (the rest of its cluster) was written as zeroes over the garbage
    byte[] slack = new byte[layout.bytesPerCluster() - 100];
    try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
      ch.read(ByteBuffer.wrap(slack), layout.fileOffset("config.txt") + 100);
    }
    assertThat(slack).containsOnly((byte) 0);
    Path out = Files.createDirectory(dir.resolve("out"));
    ImageFixtures.mtools("mcopy", "-s", "-n", "-i", image.toString(), "::*", out.toString());
    for (FatFile f : files) {
      try (InputStream in = Files.newInputStream(out.resolve(f.path()))) {
        assertThat(ImageFixtures.sha256(in))
            .as(f.path())
            .isEqualTo(ImageFixtures.expectedSha256(f));
      }
    }
  }

  /**
   * Names outside the BMP are stored as UTF-16 surrogate pairs, as Linux's vfat does. mtools reads
   * each half separately (it shows '_'), so FatReader is the judge of the names here.
   */
  @Test
  void namesOutsideTheBmpAndCaseFoldingCornersRoundTrip() throws Exception {
    List<FatFile> files =
        List.of(
            new FatFile("emoji 😀/rocket 🚀.txt", 5, T),
            new FatFile("ß", 1, T),
            new FatFile("ss", 1, T),
            new FatFile(" leading space", 1, T),
            new FatFile("a+b,c;d=e[f]g", 1, T),
            new FatFile("x\u007fy", 1, T));
    FatLayout layout = FatLayout.plan(new FatSpec(files, 40L << 20, 0x11223344, "X"));
    Path image = dir.resolve("bmp.img");
    ImageFixtures.writeImage(image, layout, false);

    FatWriterPropertiesTest.assertCleanFsck(ImageFixtures.fsck(image), image);
    try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
      assertThat(
              FatReader.open(ch, 0).list().stream().filter(e -> !e.directory()).map(FatEntry::path))
          .containsExactlyElementsOf(files.stream().map(FatFile::path).toList());
    }
  }

  @Test
  void aPartitionOffsetMustBeWholeSectors() throws Exception {
    FatLayout layout = layout();
    assertThatThrownBy(() -> new FatWriter(layout, new RecordingSink(), 100))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
