package dev.lbuvault.image;

import static dev.lbuvault.image.ImageFixtures.PARTITION_OFFSET;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Tools;
import java.io.InputStream;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A whole Raspberry Pi card image, judged by sfdisk, fsck.fat, blkid, mtools and FatReader. */
class FatCardImageTest {
  private static final long PARTITION_BYTES = 64L << 20;
  private static final FileTime T1 = FileTime.from(Instant.parse("2024-05-17T09:41:27Z"));
  private static final FileTime T2 = FileTime.from(Instant.parse("2023-12-31T23:59:58Z"));

  private static final List<FatFile> FILES =
      List.of(
          new FatFile("bootcode.bin", 52_456, T1),
          new FatFile("start4.elf", 2_252_000, T1),
          new FatFile("config.txt", 120, T2),
          new FatFile("cmdline.txt", 62, T2),
          new FatFile("boot/vmlinuz-rpi", 3_100_000, T1),
          new FatFile("boot/initramfs-rpi", 9_000_001, T1),
          new FatFile("boot/System.map-rpi", 0, T1),
          new FatFile("overlays/disable-bt.dtbo", 1_073, T1),
          new FatFile("overlays/README", 4096, T1),
          new FatFile("apks/.boot_repository", 0, T1),
          new FatFile("apks/aarch64/APKINDEX.tar.gz", 700_000, T1),
          new FatFile("apks/aarch64/alpine-base-3.20.3-r0.apk", 1_400, T1),
          new FatFile(".alpine-release", 33, T1),
          new FatFile("rpi.apkovl.tar.gz", 18_777, T2),
          new FatFile("Notes About This Card.txt", 512, T2),
          new FatFile("ünïcödé ∂ir/日本語.txt", 999, T2),
          new FatFile("a/b/c/d/e/f/g/h/i/deep.txt", 1, T2));

  @TempDir static Path dir;

  /** FAT keeps 2-second times, rounded down: T1's odd second is lost. */
  private static FileTime onFat(FatFile file) {
    long seconds = file.mtime().toInstant().getEpochSecond();
    return FileTime.from(Instant.ofEpochSecond(seconds - seconds % 2));
  }

  private static Path card;
  private static Path partition;
  private static FatLayout layout;
  private static FatWriter writer;

  @BeforeAll
  static void buildCard() throws Exception {
    layout = FatLayout.plan(new FatSpec(FILES, PARTITION_BYTES, 0x1A2B3C4D, "piboot"));
    card = dir.resolve("card.img");
    writer = ImageFixtures.writeImage(card, layout, true);
    partition =
        ImageFixtures.extractPartition(
            card, PARTITION_OFFSET, PARTITION_BYTES, dir.resolve("part.img"));
  }

  @Test
  void sfdiskSeesOneBootableFat32PartitionAt4MiB() throws Exception {
    Path sfdisk = Tools.require("sfdisk");
    String json = Commands.check(null, sfdisk.toString(), "-J", card.toString());

    assertThat(json)
        .contains("\"label\": \"dos\"")
        .contains("\"id\": \"0xc0ffee42\"")
        .contains("\"start\": 8192")
        .contains("\"size\": " + PARTITION_BYTES / 512)
        .contains("\"type\": \"c\"")
        .contains("\"bootable\": true");
    assertThat(json.split("\"node\"", -1)).hasSize(2);
  }

  @Test
  void fsckFatFindsNothingWrong() throws Exception {
    Commands.Output fsck = ImageFixtures.fsck(partition);

    assertThat(fsck.exitCode()).as(fsck.stdout() + fsck.stderr()).isZero();
    assertThat(fsck.stdout())
        .contains("32 bit entries", "8192 hidden sectors", "32 reserved sectors")
        .contains("Checking free cluster summary.\n" + partition + ": ")
        .doesNotContain("Perform changes", "wrong", "Wrong", "bad", "Bad");
  }

  @Test
  void blkidReadsTheUuidLabelAndType() throws Exception {
    Path blkid = Tools.require("blkid");
    String out =
        Commands.check(
            null,
            blkid.toString(),
            "-p",
            "-o",
            "export",
            "-O",
            "" + PARTITION_OFFSET,
            card.toString());

    assertThat(out).contains("UUID=1A2B-3C4D", "LABEL=piboot", "TYPE=vfat", "VERSION=FAT32");
    assertThat(
            Commands.check(
                    null, blkid.toString(), "-p", "-o", "value", "-s", "UUID", partition.toString())
                .strip())
        .isEqualTo("1A2B-3C4D");
  }

  @Test
  void minfoShowsSerialLabelAndGeometry() throws Exception {
    String out = ImageFixtures.mtools("minfo", "-i", card + "@@" + PARTITION_OFFSET);

    assertThat(out)
        .containsIgnoringCase("serial number: 1A2B3C4D")
        .contains("label=\"piboot     \"")
        .contains("disk type=\"FAT32   \"")
        .contains("hidden sectors: 8192")
        .contains("reserved (boot) sectors: 32");
  }

  @Test
  void mdirShowsTheLongNames() throws Exception {
    String root = ImageFixtures.mtools("mdir", "-i", card + "@@" + PARTITION_OFFSET, "::");
    String unicode =
        ImageFixtures.mtools("mdir", "-i", card + "@@" + PARTITION_OFFSET, "::/ünïcödé ∂ir");

    assertThat(root)
        .contains("Volume in drive : is piboot")
        .contains("Volume Serial Number is 1A2B-3C4D")
        .contains("Notes About This Card.txt")
        .contains("rpi.apkovl.tar.gz")
        .contains(".alpine-release")
        .contains("start4.elf");
    assertThat(unicode).contains("日本語.txt");
  }

  @Test
  void mcopyExtractsEveryFileByteIdenticalWithItsMtime() throws Exception {
    Path out = dir.resolve("mcopy-out");
    Files.createDirectory(out);
    ImageFixtures.mtools(
        "mcopy", "-s", "-m", "-n", "-i", card + "@@" + PARTITION_OFFSET, "::*", out.toString());

    for (FatFile file : FILES) {
      Path extracted = out.resolve(file.path());
      assertThat(extracted).as(file.path()).isRegularFile();
      try (InputStream in = Files.newInputStream(extracted)) {
        assertThat(ImageFixtures.sha256(in))
            .as(file.path())
            .isEqualTo(ImageFixtures.expectedSha256(file));
      }
      assertThat(Files.getLastModifiedTime(extracted)).as(file.path()).isEqualTo(onFat(file));
    }
    try (var walk = Files.walk(out)) {
      assertThat(walk.filter(Files::isRegularFile).count()).isEqualTo(FILES.size());
    }
  }

  @Test
  void fatReaderReadsBackNamesSizesTimesAndContent() throws Exception {
    try (FileChannel ch = FileChannel.open(card, StandardOpenOption.READ)) {
      FatReader reader = FatReader.open(ch, PARTITION_OFFSET);
      assertThat(reader.fatType()).isEqualTo("FAT32");
      assertThat(reader.volumeId()).isEqualTo(0x1A2B3C4D);
      assertThat(reader.label()).isEqualTo("piboot");

      Map<String, FatEntry> entries =
          reader.list().stream().collect(Collectors.toMap(FatEntry::path, Function.identity()));
      assertThat(entries.values().stream().filter(e -> !e.directory()).map(FatEntry::path))
          .containsExactlyInAnyOrderElementsOf(FILES.stream().map(FatFile::path).toList());
      assertThat(entries.get("boot").directory()).isTrue();
      assertThat(entries.get("a/b/c/d/e/f/g/h/i").directory()).isTrue();
      for (FatFile file : FILES) {
        FatEntry entry = entries.get(file.path());
        assertThat(entry.size()).isEqualTo(file.size());
        assertThat(entry.mtime()).isEqualTo(onFat(file));
        try (InputStream in = reader.open(entry)) {
          assertThat(ImageFixtures.sha256(in))
              .as(file.path())
              .isEqualTo(ImageFixtures.expectedSha256(file));
        }
      }
    }
  }

  @Test
  void everyRecordedExtentReadsBackWithItsHash() throws Exception {
    List<WrittenExtent> extents = writer.extents();

    assertThat(extents).hasSize(1 + (int) FILES.stream().filter(f -> f.size() > 0).count());
    assertThat(extents.get(0).offset()).isEqualTo(PARTITION_OFFSET);
    for (WrittenExtent extent : extents) {
      assertThat(ImageFixtures.sha256OfRange(card, extent.offset(), extent.length()))
          .isEqualTo(extent.sha256());
    }
    assertThat(extents.stream().mapToLong(WrittenExtent::length).sum())
        .isEqualTo(writer.bytesWritten())
        .isEqualTo(layout.usedBytes());
  }

  @Test
  void filesAreLaidOutInSpecOrderAlignedToClusters() {
    long previous = -1;
    for (FatFile file : layout.files()) {
      long offset = layout.fileOffset(file.path());
      if (file.size() == 0) {
        assertThat(offset).isEqualTo(-1);
        continue;
      }
      assertThat(offset).isGreaterThan(previous);
      assertThat((PARTITION_OFFSET + offset) % layout.bytesPerCluster()).isZero();
      previous = offset;
    }
    assertThat(layout.files()).isEqualTo(FILES);
    assertThat(layout.dataBytes()).isEqualTo(FILES.stream().mapToLong(FatFile::size).sum());
  }
}
