package dev.lbuvault.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MbrTest {
  @TempDir Path dir;

  private Path sfdisk(long bytes, String script) throws IOException {
    Path sfdisk = Tools.require("sfdisk");
    Path image = ImageFixtures.sparseFile(dir.resolve("disk-" + bytes + ".img"), bytes);
    Path input = Files.writeString(dir.resolve("script-" + bytes), script);
    Commands.check(
        null,
        "sh",
        "-c",
        "\"$0\" -q \"$1\" < \"$2\"",
        sfdisk.toString(),
        image.toString(),
        input.toString());
    return image;
  }

  @Test
  void buildThenParseGivesThePartitionBack() throws IOException {
    MbrPartition p = new MbrPartition(Mbr.PARTITION_START_SECTOR, 123_456, 0x0C, true);

    byte[] mbr = Mbr.build(0x12345678, p);

    assertThat(mbr).hasSize(512);
    assertThat(Mbr.parse(mbr)).containsExactly(p);
    assertThat(Arrays.copyOfRange(mbr, 440, 444)).containsExactly(0x78, 0x56, 0x34, 0x12);
    assertThat(mbr[510] & 0xFF).isEqualTo(0x55);
    assertThat(mbr[511] & 0xFF).isEqualTo(0xAA);
  }

  /** The whole table, CHS fields included, is byte for byte what sfdisk writes. */
  @ParameterizedTest
  @ValueSource(longs = {100L << 20, 64L << 30})
  void theTableIsByteIdenticalToSfdisks(long diskBytes) throws IOException {
    long sectors = diskBytes / 512 - Mbr.PARTITION_START_SECTOR;
    Path image =
        sfdisk(
            diskBytes,
            "label: dos\nlabel-id: 0xc0ffee42\nstart=8192, size="
                + sectors
                + ", type=c, bootable\n");

    byte[] theirs = ImageFixtures.readBytes(image, 0, 512);
    byte[] ours =
        Mbr.build(0xC0FFEE42, new MbrPartition(Mbr.PARTITION_START_SECTOR, sectors, 0x0C, true));

    assertThat(Arrays.copyOfRange(ours, 440, 512)).isEqualTo(Arrays.copyOfRange(theirs, 440, 512));
  }

  @Test
  void aTableMadeBySfdiskIsParsed() throws IOException {
    Path image =
        sfdisk(
            64L << 20,
            "label: dos\nstart=2048, size=40960, type=c, bootable\nstart=43008, type=83\n");

    List<MbrPartition> partitions = Mbr.parse(ImageFixtures.readBytes(image, 0, 512));

    assertThat(partitions)
        .containsExactly(
            new MbrPartition(2048, 40960, 0x0C, true),
            new MbrPartition(43008, (64L << 11) - 43008, 0x83, false));
  }

  @Test
  void aGptDiskIsReportedAsSuch() throws IOException {
    Path image =
        sfdisk(64L << 20, "label: gpt\nstart=2048, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\n");

    assertThatThrownBy(() -> Mbr.parse(ImageFixtures.readBytes(image, 0, 512)))
        .isInstanceOf(IOException.class)
        .hasMessage("GPT partition table (protective MBR)");
  }

  @Test
  void noSignatureIsAnError() {
    assertThatThrownBy(() -> Mbr.parse(new byte[512]))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("no 55 AA signature");
  }

  @Test
  void anEmptyTableHasNoPartitions() throws IOException {
    byte[] mbr = new byte[512];
    mbr[510] = 0x55;
    mbr[511] = (byte) 0xAA;

    assertThat(Mbr.parse(mbr)).isEmpty();
  }

  @Test
  void aFatBootSectorIsNotAPartitionTable() throws Exception {
    FatLayout layout = FatLayout.plan(new FatSpec(List.of(), 40L << 20, 7, "X"));
    Path image = dir.resolve("fat.img");
    ImageFixtures.writeImage(image, layout, false);
    byte[] boot = ImageFixtures.readBytes(image, 0, 512);
    boot[446] = 0x12; // what boot code there might look like

    assertThatThrownBy(() -> Mbr.parse(boot)).hasMessageContaining("not an MBR");
  }

  @Test
  void sizesBeyondTheMbrsReachAreRefused() {
    assertThatThrownBy(() -> new MbrPartition(0, 1L << 32, 0x0C, true))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Mbr.build(1, new MbrPartition(8192, 0xFFFFFFFFL, 0x0C, true)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
