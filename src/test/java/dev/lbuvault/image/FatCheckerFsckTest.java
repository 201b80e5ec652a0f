package dev.lbuvault.image;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code fsck.fat -n} judges {@link FatReader#check}: on images made by mkfs.fat and mcopy and by
 * our own {@link FatWriter}, every random mutation of the FATs and of the directories that fsck.fat
 * would repair must be reported, and no mutation may make the reader throw anything but an {@link
 * IOException}. Trials: {@code -Dlbuvault.fatMutations=N} (default 120 per image).
 */
class FatCheckerFsckTest {
  private static final int TRIALS = Integer.getInteger("lbuvault.fatMutations", 120);
  private static final FileTime T = FileTime.from(Instant.parse("2023-03-03T03:03:03Z"));

  @TempDir Path dir;

  /** Where directories and FATs live in an image: the bytes worth mutating. */
  record Region(long start, long length) {}

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"mkfs32", "mkfs16", "mkfs12", "fatwriter"})
  void everyMutationFsckFatWouldRepairIsReportedAndNoneThrows(String kind) throws Exception {
    Path fsck = Tools.require("fsck.fat");
    Path image = base(kind);
    assertThat(fsckExit(fsck, image)).as("fsck.fat -n of the unmutated image").isZero();
    assertThat(check(image)).as("the unmutated image").isEmpty();
    List<Region> regions = regions(image);
    SplittableRandom random = new SplittableRandom(kind.hashCode());
    int damaged = 0;
    int reported = 0;
    for (int trial = 0; trial < TRIALS; trial++) {
      Region r = regions.get(random.nextInt(regions.size()));
      int bytes = 1 + random.nextInt(3);
      long at = r.start() + random.nextLong(Math.max(1, r.length() - bytes));
      byte[] original = read(image, at, bytes);
      byte[] mutated = new byte[bytes];
      for (int i = 0; i < bytes; i++) {
        mutated[i] = (byte) random.nextInt(256);
      }
      write(image, at, mutated);
      try {
        String what = kind + " trial " + trial + ": " + bytes + " bytes at " + at;
        List<String> problems = checkWithoutThrowing(image, what);
        if (fsckExit(fsck, image) != 0) {
          damaged++;
          assertThat(problems)
              .as(what + ": fsck.fat -n repairs this:\n" + fsckOutput(fsck, image))
              .isNotEmpty();
        }
        if (!problems.isEmpty()) {
          reported++;
        }
      } finally {
        write(image, at, original);
      }
    }
    System.out.printf(
        "%s: %d mutations, %d damaged per fsck.fat, %d reported%n",
        kind, TRIALS, damaged, reported);
    assertThat(damaged).as("the mutations exercise damage").isPositive();
  }

  private Path base(String kind) throws Exception {
    return kind.equals("fatwriter") ? fatWriterImage() : mkfsImage(kind.substring(4));
  }

  private Path fatWriterImage() throws Exception {
    List<FatFile> files =
        List.of(
            new FatFile("config.txt", 100, T),
            new FatFile("boot/vmlinuz-rpi", 70_000, T),
            new FatFile("boot/dtbs/a.dtb", 5_000, T),
            new FatFile("apks/aarch64/APKINDEX.tar.gz", 9_000, T),
            new FatFile("Long Name With Spaces.txt", 1_000, T),
            new FatFile("a/b/c/d.txt", 3, T));
    Path image = dir.resolve("fatwriter.img");
    ImageFixtures.writeImage(image, FatLayout.plan(new FatSpec(files, 40L << 20, 7, "W")), false);
    return image;
  }

  private Path mkfsImage(String bits) throws Exception {
    Path mkfs = Tools.require("mkfs.fat");
    Path image = dir.resolve("mkfs" + bits + ".img");
    String kib = bits.equals("32") ? "40000" : bits.equals("16") ? "16000" : "3000";
    Commands.check(
        null,
        mkfs.toString(),
        "-C",
        "-F",
        bits,
        "-i",
        "C0DE0001",
        "-n",
        "M" + bits,
        image.toString(),
        kib);
    Path src = dir.resolve("src" + bits);
    for (String f :
        List.of("config.txt", "boot/vmlinuz", "boot/dtbs/x.dtb", "Mixed Case.Text", "a/b/c")) {
      Path p = src.resolve(f);
      Files.createDirectories(p.getParent());
      try (InputStream in = ImageFixtures.content(f, f.length() * 1_500L)) {
        Files.copy(in, p);
      }
    }
    try (var children = Files.list(src)) {
      for (Path child : children.toList()) {
        ImageFixtures.mtools("mcopy", "-s", "-i", image.toString(), child.toString(), "::");
      }
    }
    return image;
  }

  /** The first FAT's entries, the root directory and every subdirectory's first cluster. */
  private static List<Region> regions(Path image) throws IOException {
    List<Region> regions = new ArrayList<>();
    try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
      BootSector boot = BootSector.parse(read(ch, 0, 512));
      long fatBytes = ((boot.clusterCount() + 2) * boot.fatBits() + 7) / 8;
      regions.add(new Region(boot.fatOffset(), Math.min(fatBytes, 4096)));
      regions.add(new Region(boot.fatOffset(), Math.min(fatBytes, 4096)));
      if (boot.fatBits() != 32) {
        regions.add(new Region(boot.rootDirOffset(), 512));
      }
      for (long c = 2; c < boot.clusterCount() + 2; c++) {
        ByteBuffer first = read(ch, boot.clusterOffset(c), 32);
        boolean dot = first.get(0) == '.' && first.get(1) == ' ' && (first.get(11) & 0x10) != 0;
        if (dot || c == boot.rootCluster()) {
          regions.add(new Region(boot.clusterOffset(c), Math.min(boot.clusterBytes(), 512)));
          regions.add(new Region(boot.clusterOffset(c), Math.min(boot.clusterBytes(), 512)));
        }
      }
    }
    return regions;
  }

  private static List<String> check(Path image) throws IOException {
    try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
      return FatReader.open(ch, 0).check();
    }
  }

  /** The problems, an IOException's message as one, and any other exception a failure. */
  private static List<String> checkWithoutThrowing(Path image, String what) {
    try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
      FatReader reader = FatReader.open(ch, 0);
      List<String> problems = new ArrayList<>(reader.check());
      try {
        reader.list();
      } catch (IOException e) {
        problems.add(e.getMessage());
      }
      return problems;
    } catch (IOException e) {
      return List.of(String.valueOf(e.getMessage()));
    } catch (RuntimeException e) {
      throw new AssertionError(what + ": the reader threw " + e, e);
    }
  }

  private static int fsckExit(Path fsck, Path image) throws IOException {
    return Commands.run(null, List.of(fsck.toString(), "-n", image.toString())).exitCode();
  }

  private static String fsckOutput(Path fsck, Path image) throws IOException {
    return Commands.run(null, List.of(fsck.toString(), "-n", image.toString())).stdout();
  }

  private static ByteBuffer read(FileChannel ch, long at, int n) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    ch.read(b, at);
    return b.flip();
  }

  private static byte[] read(Path image, long at, int n) throws IOException {
    try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
      return read(ch, at, n).array();
    }
  }

  private static void write(Path image, long at, byte[] bytes) throws IOException {
    try (FileChannel ch = FileChannel.open(image, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(bytes), at);
    }
  }
}
