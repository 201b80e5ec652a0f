package dev.lbuvault.device;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.Tools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FatVolumeProbeTest {
  private final FatVolumeProbe probe = new FatVolumeProbe();

  @TempDir Path dir;

  @ParameterizedTest
  @CsvSource({"32, 40000, FAT32", "16, 16000, FAT16", "12, 2000, FAT12"})
  void theVolumeIdAndLabelOfAnImageMadeByMkfsFatAreRead(int bits, int sizeKib, String type)
      throws Exception {
    Path image = mkfsFat(sizeKib, "-F", String.valueOf(bits), "-i", "1A2B3C4D", "-n", "PIBOOT");

    assertThat(probe.probe(image)).contains(new FatVolume("1A2B-3C4D", "PIBOOT", type));
  }

  @ParameterizedTest
  @CsvSource({"32, 40000", "16, 16000", "12, 2000"})
  void theVolumeIdAndLabelAreWhatBlkidReports(int bits, int sizeKib) throws Exception {
    Path blkid = Tools.require("blkid");
    Path image = mkfsFat(sizeKib, "-F", String.valueOf(bits), "-i", "C0FFEE42", "-n", "MY CARD");

    FatVolume volume = probe.probe(image).orElseThrow();

    assertThat(volume.volumeId())
        .isEqualTo("C0FF-EE42")
        .isEqualTo(run(blkid.toString(), "-p", "-o", "value", "-s", "UUID", image.toString()));
    assertThat(volume.label())
        .isEqualTo("MY CARD")
        .isEqualTo(run(blkid.toString(), "-p", "-o", "value", "-s", "LABEL", image.toString()));
  }

  @Test
  void aVolumeWithoutALabelHasANullLabel() throws Exception {
    Path image = mkfsFat(2000, "-F", "12", "-i", "0000ABCD");

    assertThat(probe.probe(image)).contains(new FatVolume("0000-ABCD", null, "FAT12"));
  }

  @Test
  void anExt4ImageIsNotFat() throws Exception {
    Path mkfs = Tools.require("mkfs.ext4");
    Path image = dir.resolve("ext4.img");
    Files.write(image, new byte[4 << 20]);
    run(mkfs.toString(), "-q", "-F", image.toString());

    assertThat(probe.probe(image)).isEmpty();
  }

  @Test
  void zeroesAreNotFat() throws IOException {
    Path image = Files.write(dir.resolve("zero.img"), new byte[1 << 20]);

    assertThat(probe.probe(image)).isEmpty();
  }

  @Test
  void aWholeDiskWithAPartitionTableIsNotAFatBootSector() throws IOException {
    byte[] mbr = new byte[512];
    mbr[446 + 4] = 0x0c; // partition 1: FAT32 LBA
    mbr[510] = 0x55;
    mbr[511] = (byte) 0xAA;
    Path image = Files.write(dir.resolve("disk.img"), mbr);

    assertThat(probe.probe(image)).isEmpty();
  }

  @Test
  void aFileShorterThanASectorIsNotFat() throws IOException {
    Path image = Files.write(dir.resolve("short.img"), new byte[100]);

    assertThat(probe.probe(image)).isEmpty();
  }

  @Test
  void aBootSectorWithAnImplausibleBytesPerSectorIsNotFat() throws Exception {
    Path image = mkfsFat(2000, "-F", "12", "-i", "1A2B3C4D", "-n", "PIBOOT");
    byte[] bytes = Files.readAllBytes(image);
    bytes[0x0B] = 0x00;
    bytes[0x0C] = 0x03; // 768 bytes per sector
    Files.write(image, bytes);

    assertThat(probe.probe(image)).isEmpty();
  }

  private Path mkfsFat(int sizeKib, String... options) throws Exception {
    Path mkfs = Tools.require("mkfs.fat");
    Path image = dir.resolve("fat-" + System.nanoTime() + ".img");
    List<String> command = new ArrayList<>(List.of(mkfs.toString(), "-C", image.toString()));
    command.add(String.valueOf(sizeKib));
    command.addAll(List.of(options));
    run(command.toArray(String[]::new));
    return image;
  }

  private String run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("%s: %s", List.of(command), output).isZero();
    return output.strip();
  }
}
