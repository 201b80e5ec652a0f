package dev.lbuvault.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** FatTable alone, on hand-built boot sectors and FAT bytes: entry widths and chain values. */
class FatTableTest {
  @TempDir Path dir;

  /** A FAT12 or FAT16 volume: 1 reserved sector, 1 FAT of 8 sectors, 512 root entries. */
  private FatTable table(int totalSectors, byte[] fat) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
    b.put(Bpb.JUMP, (byte) Bpb.JUMP_SHORT);
    b.putShort(Bpb.BYTES_PER_SECTOR, (short) 512);
    b.put(Bpb.SECTORS_PER_CLUSTER, (byte) 1);
    b.putShort(Bpb.RESERVED_SECTORS, (short) 1);
    b.put(Bpb.FAT_COUNT, (byte) 1);
    b.putShort(Bpb.ROOT_ENTRIES, (short) 512);
    b.putShort(Bpb.TOTAL_SECTORS_16, (short) totalSectors);
    b.put(Bpb.MEDIA, (byte) 0xF8);
    b.putShort(Bpb.FAT_SECTORS_16, (short) 32);
    b.put(Bpb.SIGNATURE, (byte) 0x55).put(Bpb.SIGNATURE + 1, (byte) 0xAA);
    BootSector boot = BootSector.parse(b);
    Path image = ImageFixtures.sparseFile(dir.resolve("t" + totalSectors + ".img"), 512L * 70_000);
    FileChannel ch = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE);
    ch.write(ByteBuffer.wrap(fat), boot.fatOffset());
    return new FatTable(ch, 0, boot);
  }

  @Test
  void fat12EntriesShareBytesAndAreReadForEvenAndOddClusters() throws Exception {
    // clusters 2 and 3 packed in three bytes: 2 -> 0x003, 3 -> 0xFFF (end of chain)
    FatTable t =
        table(
            3_000, new byte[] {(byte) 0xF8, (byte) 0xFF, (byte) 0xFF, 3, (byte) 0xF0, (byte) 0xFF});

    assertThat(t.fatBits()).isEqualTo(12);
    assertThat(t.entry(2)).isEqualTo(3);
    assertThat(t.entry(3)).isEqualTo(0xFFF);
    assertThat(t.next(2)).isEqualTo(3);
    assertThat(t.next(3)).isEqualTo(-1);
  }

  @Test
  void fat16EndOfChainBadAndFreeAreTold() throws Exception {
    byte[] fat = new byte[16];
    ByteBuffer b = ByteBuffer.wrap(fat).order(ByteOrder.LITTLE_ENDIAN);
    b.putShort(4, (short) 0xFFF7).putShort(6, (short) 0).putShort(8, (short) 0xFFF8);
    FatTable t = table(40_000, fat);

    assertThat(t.fatBits()).isEqualTo(16);
    assertThat(t.isEndOfChain(t.entry(4))).isTrue();
    assertThat(t.entry(2)).isEqualTo(t.bad());
    assertThatThrownBy(() -> t.next(2)).hasMessageContaining("marked bad");
    assertThatThrownBy(() -> t.next(3)).hasMessageContaining("free cluster");
  }

  @Test
  void clusterNumbersOutsideTheVolumeAreRefusedByName() throws Exception {
    FatTable t = table(3_000, new byte[3]);

    assertThat(t.isDataCluster(1)).isFalse();
    assertThat(t.isDataCluster(2)).isTrue();
    assertThatThrownBy(() -> t.requireDataCluster(1_000_000, "boot/x"))
        .hasMessage("boot/x cluster chain reaches cluster 1000000, outside the volume");
  }
}
