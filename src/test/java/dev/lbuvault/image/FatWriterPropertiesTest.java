package dev.lbuvault.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.Commands;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;

/**
 * Random file trees written by FatWriter: fsck.fat finds nothing wrong, and mcopy and FatReader get
 * every file back byte-identical with its (FAT-rounded) mtime.
 */
class FatWriterPropertiesTest {
  private static final String CHARS =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .-_+~!#()[]{}',;=@$%&"
          + "äöüßéÆïΩжπ日本語";
  private static final long Y1975 = 157_766_400_000L;
  private static final long Y2110 = 4_417_977_600_000L;

  /**
   * 2100-03-01: mcopy -m turns FAT times from here on into Unix times a day late (it takes 2100 for
   * a leap year; mdir shows the stored date right). FatReader checks those times instead.
   */
  private static final long MTOOLS_LEAP_BUG = 4_107_542_400_000L;

  @Property(tries = 30, shrinking = ShrinkingMode.OFF)
  void everyFileComesBackAndFsckIsHappy(
      @ForAll("fileSets") List<FatFile> files, @ForAll boolean roomToSpare) throws Exception {
    Path dir = Files.createTempDirectory("lbuvault-fat-prop-");
    try {
      long min = FatLayout.minimumPartitionBytes(files);
      long size = roomToSpare ? min + (7L << 20) : min;
      FatLayout layout = FatLayout.plan(new FatSpec(files, size, 0x5EED1234, "PROP"));
      Path image = dir.resolve("part.img");
      FatWriter writer = ImageFixtures.writeImage(image, layout, false);
      assertThat(writer.bytesWritten()).isEqualTo(layout.usedBytes());

      assertCleanFsck(ImageFixtures.fsck(image), image);

      Path out = Files.createDirectory(dir.resolve("out"));
      ImageFixtures.mtools(
          "mcopy", "-s", "-m", "-n", "-i", image.toString(), "::*", out.toString());
      try (var walk = Files.walk(out)) {
        assertThat(walk.filter(Files::isRegularFile).count()).isEqualTo(files.size());
      }
      for (FatFile f : files) {
        Path extracted = out.resolve(f.path());
        try (InputStream in = Files.newInputStream(extracted)) {
          assertThat(ImageFixtures.sha256(in))
              .as(f.path())
              .isEqualTo(ImageFixtures.expectedSha256(f));
        }
        if (f.mtime().toMillis() < MTOOLS_LEAP_BUG) {
          assertThat(Files.getLastModifiedTime(extracted)).as(f.path()).isEqualTo(onFat(f.mtime()));
        }
      }

      try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
        FatReader reader = FatReader.open(ch, 0);
        Map<String, FatEntry> entries =
            reader.list().stream()
                .filter(e -> !e.directory())
                .collect(Collectors.toMap(FatEntry::path, Function.identity()));
        assertThat(entries.keySet())
            .containsExactlyInAnyOrderElementsOf(files.stream().map(FatFile::path).toList());
        for (FatFile f : files) {
          assertThat(entries.get(f.path()).size()).isEqualTo(f.size());
          assertThat(entries.get(f.path()).mtime()).isEqualTo(onFat(f.mtime()));
        }
      }
    } finally {
      ImageFixtures.deleteTree(dir);
    }
  }

  /** Exit 0, and nothing reported between the checks and the summary line. */
  static void assertCleanFsck(Commands.Output fsck, Path image) {
    String all = fsck.stdout() + fsck.stderr();
    assertThat(fsck.exitCode()).as(all).isZero();
    assertThat(fsck.stderr()).as(all).isEmpty();
    assertThat(fsck.stdout())
        .as(all)
        .containsPattern(
            "Checking for unused clusters\\.\\nChecking free cluster summary\\.\\n"
                + java.util.regex.Pattern.quote(image.toString())
                + ": \\d+ files, \\d+/\\d+ clusters\\n$");
  }

  static FileTime onFat(FileTime t) {
    return FatTime.decode(FatTime.date(t), FatTime.time(t));
  }

  @Provide
  Arbitrary<List<FatFile>> fileSets() {
    Arbitrary<List<String>> pool = name(1, 12).list().ofSize(6);
    Arbitrary<List<List<Integer>>> dirIndexes =
        Arbitraries.integers().between(0, 5).list().ofMaxSize(10).list().ofMinSize(1).ofMaxSize(40);
    Arbitrary<List<String>> fileNames = anyName().list().ofSize(40);
    Arbitrary<List<Long>> sizes = size().list().ofSize(440);
    Arbitrary<List<Long>> times = Arbitraries.longs().between(Y1975, Y2110).list().ofSize(440);
    Arbitrary<Integer> family =
        Arbitraries.integers()
            .between(0, 2)
            .flatMap(k -> k < 2 ? Arbitraries.just(0) : Arbitraries.integers().between(10, 400));
    return Combinators.combine(pool, dirIndexes, fileNames, sizes, times, family, name(7, 20))
        .as(FatWriterPropertiesTest::assemble)
        .filter(files -> !files.isEmpty());
  }

  private static List<FatFile> assemble(
      List<String> pool,
      List<List<Integer>> dirs,
      List<String> names,
      List<Long> sizes,
      List<Long> times,
      int familySize,
      String familyStem) {
    List<String> candidates = new ArrayList<>();
    for (int i = 0; i < dirs.size(); i++) {
      StringBuilder path = new StringBuilder();
      for (int index : dirs.get(i)) {
        path.append(pool.get(index)).append('/');
      }
      candidates.add(path + names.get(i));
    }
    // many names sharing a long stem: their 8.3 forms collide and need ~1, ~2, ... ~10, ...
    String familyDir = pool.get(0) + "/";
    for (int i = 1; i <= familySize; i++) {
      candidates.add(familyDir + familyStem + i + ".txt");
    }
    Map<String, String> taken = new HashMap<>(); // case key -> path as spelled, "/" after a dir
    List<FatFile> files = new ArrayList<>();
    int n = 0;
    for (String path : candidates) {
      if (path.length() > FatLayout.MAX_PATH_LENGTH || !fits(path, taken)) {
        continue;
      }
      // sizes: mostly small, some empty, a few of several MiB
      files.add(new FatFile(path, sizes.get(n), FileTime.fromMillis(times.get(n))));
      n++;
    }
    return files;
  }

  /**
   * Whether {@code path} clashes with nothing taken so far. FAT ignores case, so no name may differ
   * only in case from one already in its directory (for files and directories alike), and no file
   * may also be a directory.
   */
  private static boolean fits(String path, Map<String, String> taken) {
    String key = FatNames.caseKey(path);
    if (taken.containsKey(key)) {
      return false;
    }
    List<String> prefixes = new ArrayList<>();
    for (int slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
      prefixes.add(path.substring(0, slash));
    }
    for (String prefix : prefixes) {
      String spelled = taken.get(FatNames.caseKey(prefix));
      if (spelled != null && !spelled.equals(prefix + "/")) {
        return false; // a file there, or a directory spelled in another case
      }
    }
    for (String prefix : prefixes) {
      taken.put(FatNames.caseKey(prefix), prefix + "/");
    }
    taken.put(key, path);
    return true;
  }

  private static Arbitrary<String> anyName() {
    return Arbitraries.integers().between(0, 9).flatMap(k -> k < 7 ? name(1, 20) : name(20, 255));
  }

  private static Arbitrary<String> name(int min, int max) {
    return Arbitraries.strings()
        .withChars(CHARS.toCharArray())
        .ofMinLength(min)
        .ofMaxLength(max)
        .map(FatWriterPropertiesTest::legal);
  }

  /** Makes a generated name legal: at most 255 UTF-8 bytes, no trailing dot or space. */
  private static String legal(String generated) {
    String s = generated;
    while (s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 255) {
      s = s.substring(0, s.length() - 1);
    }
    char last = s.charAt(s.length() - 1);
    if (last == '.' || last == ' ') {
      return s.substring(0, s.length() - 1) + "x";
    }
    return s;
  }

  private static Arbitrary<Long> size() {
    return Arbitraries.integers()
        .between(0, 9)
        .flatMap(
            k ->
                k < 2
                    ? Arbitraries.just(0L)
                    : k < 6
                        ? Arbitraries.longs().between(1, 100)
                        : k < 9
                            ? Arbitraries.longs().between(101, 70_000)
                            : Arbitraries.longs().between(1L << 20, 5L << 20));
  }
}
