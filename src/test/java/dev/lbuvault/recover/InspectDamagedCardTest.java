package dev.lbuvault.recover;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.cli.ExitCodes;
import dev.lbuvault.image.BootSector;
import dev.lbuvault.image.Mbr;
import dev.lbuvault.testing.CardImages;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Cli.Result;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Tools;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code lbuvault inspect} of a recovered card that was then damaged or given leftovers: whatever
 * {@code fsck.fat -n} calls damaged is exit 4 ("NOT good") with the damage named, never exit 1; and
 * every root file the initramfs would take for an apkovl counts, not only lbu's names.
 */
class InspectDamagedCardTest {
  private static final long PART = CardImages.PARTITION_OFFSET;

  @TempDir Path tmp;
  Path image;

  @BeforeEach
  void recoverACard() throws Exception {
    Path card = Cards.make(tmp.resolve("card"));
    String repo = tmp.resolve("repo").toString();
    assertThat(Cli.run("init", "--repo", repo).exitCode()).isZero();
    assertThat(Cli.run("backup", "--repo", repo, "--source", card.toString()).exitCode()).isZero();
    image = tmp.resolve("card.img");
    Result r = Cli.run("recover", "--repo", repo, "--to", image.toString());
    assertThat(r.exitCode()).as(r.toString()).isZero();
    Result good = Cli.run("inspect", image.toString());
    assertThat(good.exitCode()).as(good.toString()).isZero();
  }

  @Test
  void aDirectoryThatLoopsBackToTheRootIsNotGoodRatherThanAnError() throws Exception {
    BootSector boot = boot();
    long apks = entry(boot, boot.rootCluster(), "APKS       ");
    long aarch64 = entry(boot, startOf(apks), "AARCH64    ");
    setStart(aarch64, boot.rootCluster());
    assertThat(fsckExit()).as("fsck.fat -n calls it damaged").isNotZero();

    Result r = Cli.run("inspect", image.toString());

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.DAMAGED);
    assertThat(r.out()).contains("NOT good").contains("loops back");
  }

  @Test
  void aFileWhoseSizeClaimsMoreClustersThanItsChainIsNotGood() throws Exception {
    BootSector boot = boot();
    long config = entry(boot, boot.rootCluster(), "CONFIG  TXT");
    long size = readInt(config + 28) & 0xFFFFFFFFL;
    writeInt(config + 28, (int) (size + 3 * boot.clusterBytes()));
    assertThat(fsckExit()).as("fsck.fat -n calls it damaged").isNotZero();

    Result r = Cli.run("inspect", image.toString());

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.DAMAGED);
    assertThat(r.out()).contains("CONFIG.TXT").contains("clusters");
  }

  @ParameterizedTest
  @ValueSource(strings = {"rpi.apkovl.tar.gz~", "rpi.apkovl.tar.gz.old.1", ".apkovl.tar.gz"})
  void aLeftoverTheInitramfsWouldTakeForAnApkovlBreaksExactlyOne(String leftover) throws Exception {
    Path file = Files.writeString(tmp.resolve(leftover), "old");
    Commands.check(
        null,
        "env",
        "MTOOLS_SKIP_CHECK=1",
        "mcopy",
        "-i",
        CardImages.mtoolsImage(image),
        file.toString(),
        "::" + leftover);
    assertThat(fsckExit()).as("the filesystem itself is sound").isZero();

    Result r = Cli.run("inspect", image.toString());

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.DAMAGED);
    assertThat(r.out()).contains("2 files at the root match").contains(leftover);
  }

  // ---- editing the partition's directory entries ----

  private BootSector boot() throws IOException {
    try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(512);
      ch.read(b, PART);
      return BootSector.parse(b.flip());
    }
  }

  /** Byte offset in the image of the entry named {@code shortName} in a FAT32 directory. */
  private long entry(BootSector boot, long cluster, String shortName) throws IOException {
    byte[] d = new byte[(int) boot.clusterBytes()];
    for (long c = cluster;
        c >= 2 && c < 0x0FFFFFF8L;
        c = readInt(fatEntry(boot, c)) & 0x0FFFFFFFL) {
      long start = PART + boot.clusterOffset(c);
      try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
        ch.read(ByteBuffer.wrap(d), start);
      }
      for (int pos = 0; pos + 32 <= d.length; pos += 32) {
        if (new String(d, pos, 11, StandardCharsets.ISO_8859_1).equals(shortName)) {
          return start + pos;
        }
      }
    }
    throw new AssertionError(shortName + " not in the directory at cluster " + cluster);
  }

  private static long fatEntry(BootSector boot, long cluster) {
    return PART + boot.fatOffset() + cluster * 4;
  }

  private long startOf(long entry) throws IOException {
    long high = (readInt(entry + 20) & 0xFFFFL) << 16;
    return high | (readInt(entry + 26) & 0xFFFFL);
  }

  private void setStart(long entry, long cluster) throws IOException {
    write(entry + 20, shortBytes((int) (cluster >>> 16)));
    write(entry + 26, shortBytes((int) cluster));
  }

  private static byte[] shortBytes(int v) {
    return ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) v).array();
  }

  private int readInt(long at) throws IOException {
    try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
      ch.read(b, at);
      return b.getInt(0);
    }
  }

  private void writeInt(long at, int v) throws IOException {
    write(at, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
  }

  private void write(long at, byte[] bytes) throws IOException {
    try (FileChannel ch = FileChannel.open(image, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(bytes), at);
    }
  }

  private int fsckExit() throws Exception {
    Tools.require("fsck.fat");
    Commands.Output o = CardImages.fsck(image, partitionBytes());
    return o.exitCode();
  }

  private long partitionBytes() throws IOException {
    byte[] mbr = new byte[512];
    try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
      ch.read(ByteBuffer.wrap(mbr), 0);
    }
    return Mbr.parse(mbr).get(0).sectorCount() * 512;
  }
}
