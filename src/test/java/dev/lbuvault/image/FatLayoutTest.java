package dev.lbuvault.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FatLayoutTest {
  private static final FileTime T = FileTime.fromMillis(1_700_000_000_000L);
  private static final long SIZE = 64L << 20;

  private static FatLayout plan(String... paths) throws FatLayoutException {
    List<FatFile> files = new ArrayList<>();
    for (String p : paths) {
      files.add(new FatFile(p, 10, T));
    }
    return FatLayout.plan(new FatSpec(files, SIZE, 1, "CARD"));
  }

  @Test
  void namesDifferingOnlyInCaseAreRefusedNamingThePath() {
    assertThatThrownBy(() -> plan("boot/Config.txt", "boot/config.TXT"))
        .isInstanceOf(FatLayoutException.class)
        .hasMessageContaining("\"boot/config.TXT\"")
        .hasMessageContaining("differs only in case from \"boot/Config.txt\"")
        .extracting(e -> ((FatLayoutException) e).path())
        .isEqualTo("boot/config.TXT");
  }

  @Test
  void directoriesDifferingOnlyInCaseAreRefused() {
    assertThatThrownBy(() -> plan("Apks/a", "apks/b"))
        .isInstanceOf(FatLayoutException.class)
        .hasMessageContaining("\"apks/b\"")
        .hasMessageContaining("differs only in case");
  }

  @Test
  void theSameNameInDifferentDirectoriesIsFine() throws Exception {
    assertThat(plan("a/config.txt", "b/CONFIG.TXT").files()).hasSize(2);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"a\"b", "a*b", "a:b", "a<b", "a>b", "a?b", "a\\b", "a|b", "a\tb", "a\u0001b"})
  void forbiddenCharactersAreRefused(String name) {
    assertThatThrownBy(() -> plan("dir/" + name))
        .isInstanceOf(FatLayoutException.class)
        .hasMessageStartingWith("\"dir/" + name + "\": name contains");
  }

  @ParameterizedTest
  @ValueSource(strings = {"trailing.", "trailing ", "..", ".", "a//b", "/abs", "dir/"})
  void trailingDotsSpacesAndEmptyComponentsAreRefused(String path) {
    assertThatThrownBy(() -> plan(path))
        .isInstanceOf(FatLayoutException.class)
        .hasMessageContaining("\"" + path + "\"");
  }

  @Test
  void aNameOf255UnitsIsFineAnd256IsNot() throws Exception {
    assertThat(plan("x".repeat(255)).files()).hasSize(1);
    assertThatThrownBy(() -> plan("x".repeat(256)))
        .isInstanceOf(FatLayoutException.class)
        .hasMessageContaining("at most 255");
  }

  @Test
  void aNameLinuxCannotOpenIsRefused() throws Exception {
    assertThat(plan("é".repeat(127)).files()).hasSize(1); // 254 bytes
    assertThatThrownBy(() -> plan("dir/" + "é".repeat(128)))
        .isInstanceOf(FatLayoutException.class)
        .hasMessageContaining("256 bytes in UTF-8; Linux cannot open a name longer than 255");
  }

  @Test
  void aPathOver256CharactersIsRefused() throws Exception {
    String ok = "d".repeat(200) + "/" + "f".repeat(55);
    assertThat(plan(ok).files()).hasSize(1);
    String tooLong = ok + "f";
    assertThatThrownBy(() -> plan(tooLong))
        .isInstanceOf(FatLayoutException.class)
        .hasMessageContaining("\"" + tooLong + "\"")
        .hasMessageContaining("257 characters long; at most 256");
  }

  @Test
  void aFileCannotAlsoBeADirectory() {
    assertThatThrownBy(() -> plan("boot", "boot/vmlinuz"))
        .hasMessageContaining("\"boot/vmlinuz\"")
        .hasMessageContaining("\"boot\" is a file");
    assertThatThrownBy(() -> plan("boot/vmlinuz", "boot"))
        .hasMessageContaining("\"boot\": is also a directory");
    assertThatThrownBy(() -> plan("a", "a")).hasMessageContaining("\"a\": is listed twice");
  }

  @Test
  void fourGibibytesIsOneByteTooBigForAFat32File() throws Exception {
    long max = 0xFFFFFFFFL;
    FatSpec ok = new FatSpec(List.of(new FatFile("big", max, T)), 5L << 30, 1, "");
    assertThat(FatLayout.plan(ok).dataBytes()).isEqualTo(max);
    FatSpec tooBig = new FatSpec(List.of(new FatFile("big", max + 1, T)), 5L << 30, 1, "");
    assertThatThrownBy(() -> FatLayout.plan(tooBig)).hasMessageContaining("\"big\": file is");
  }

  @Test
  void tooManyEntriesInOneDirectoryAreRefused() throws Exception {
    // 8.3 upper-case names need one entry each; "." and ".." take two of the 65536
    List<FatFile> fits =
        IntStream.range(0, 65534).mapToObj(i -> new FatFile("d/F" + i, 0, T)).toList();
    assertThat(FatLayout.plan(new FatSpec(fits, SIZE, 1, "")).files()).hasSize(65534);

    List<FatFile> tooMany = new ArrayList<>(fits);
    tooMany.add(new FatFile("d/ONEMORE", 0, T));
    assertThatThrownBy(() -> FatLayout.plan(new FatSpec(tooMany, SIZE, 1, "")))
        .isInstanceOf(FatLayoutException.class)
        .hasMessageContaining("\"d\": directory needs 65537 32-byte entries");
  }

  @Test
  void longNamesCountTheirLfnEntries() {
    // 13 UTF-16 units per LFN entry: a 26-character name needs 2 + 1 entries
    List<FatFile> files =
        IntStream.range(0, 21846)
            .mapToObj(i -> new FatFile(String.format("%026d", i), 0, T))
            .toList();
    assertThatThrownBy(() -> FatLayout.plan(new FatSpec(files, SIZE, 1, "LABEL")))
        .hasMessageContaining("\"/\": directory needs 65539 32-byte entries");
  }

  @Test
  void shortNamesFollowTheNumericTailScheme() {
    List<String> names = new ArrayList<>();
    for (int i = 1; i <= 15; i++) {
      names.add("longfilename" + i + ".txt");
    }
    names.add("LONGFI~2.TXT"); // a real file with a generated-looking name keeps it
    names.add("config.txt");
    names.add("README");
    names.add(".alpine-release");
    names.add("ünïcode.txt");
    names.add("x.y.z.tar.gz");

    List<String> shortNames =
        FatNames.assignShortNames(names).stream()
            .map(b -> new String(b, StandardCharsets.US_ASCII))
            .toList();

    assertThat(shortNames)
        .containsExactly(
            "LONGFI~1TXT",
            "LONGFI~3TXT",
            "LONGFI~4TXT",
            "LONGFI~5TXT",
            "LONGFI~6TXT",
            "LONGFI~7TXT",
            "LONGFI~8TXT",
            "LONGFI~9TXT",
            "LONGF~10TXT",
            "LONGF~11TXT",
            "LONGF~12TXT",
            "LONGF~13TXT",
            "LONGF~14TXT",
            "LONGF~15TXT",
            "LONGF~16TXT",
            "LONGFI~2TXT",
            "CONFIG  TXT",
            "README     ",
            "ALPINE~1   ",
            "_N_COD~1TXT",
            "XYZTAR~1GZ ");
  }

  @Test
  void lfnIsUsedExactlyWhenTheShortNameIsNotTheName() {
    assertThat(FatNames.needsLfn("README", FatNames.basis("README"))).isFalse();
    assertThat(FatNames.needsLfn("CONFIG.TXT", FatNames.basis("CONFIG.TXT"))).isFalse();
    assertThat(FatNames.needsLfn("config.txt", FatNames.basis("config.txt"))).isTrue();
    assertThat(FatNames.needsLfn("A B", FatNames.basis("A B"))).isTrue();
    assertThat(FatNames.needsLfn("A+B", FatNames.basis("A+B"))).isTrue();
  }

  @Test
  void theLfnChecksumIsFatgen103s() {
    // "FOO     BAR" worked by hand with the rotate-right-and-add rule
    byte[] name = "FOO     BAR".getBytes(StandardCharsets.US_ASCII);
    int sum = 0;
    for (byte b : name) {
      sum = ((sum & 1) << 7) + (sum >> 1) + (b & 0xFF) & 0xFF;
    }
    assertThat(FatNames.checksum(name)).isEqualTo(sum);
  }

  @Test
  void minimumPartitionBytesIsExactlyTheSmallestThatPlans() throws Exception {
    List<List<FatFile>> sets =
        List.of(
            List.of(),
            List.of(new FatFile("boot/vmlinuz-rpi", 20_000_000, T)),
            // more than 512-byte clusters can hold: needs the 4 KiB clusters above 260 MiB
            List.of(new FatFile("a", 200_000_000, T), new FatFile("b", 80_000_000, T)),
            IntStream.range(0, 3000).mapToObj(i -> new FatFile("cache/p" + i, 1 + i, T)).toList());
    for (List<FatFile> files : sets) {
      long min = FatLayout.minimumPartitionBytes(files);
      assertThat(min % 512).isZero();
      FatLayout layout = FatLayout.plan(new FatSpec(files, min, 1, "ABC"));
      assertThat(layout.clusterCount()).isGreaterThanOrEqualTo(65525);
      assertThatThrownBy(() -> FatLayout.plan(new FatSpec(files, min - 512, 1, "ABC")))
          .isInstanceOf(FatLayoutException.class)
          .hasMessageContaining("too small")
          .hasMessageContaining("the smallest partition that holds them is " + min + " bytes");
    }
    assertThat(FatLayout.minimumPartitionBytes(List.of())).isBetween(32L << 20, 33L << 20);
    assertThat(FatLayout.minimumPartitionBytes(sets.get(2))).isGreaterThan(260L << 20);
  }

  @Test
  void aPartitionTooSmallForFat32IsRefused() {
    assertThatThrownBy(() -> FatLayout.plan(new FatSpec(List.of(), 16L << 20, 1, "")))
        .isInstanceOf(FatLayoutException.class)
        .hasMessageContaining("too small for FAT32")
        .hasMessageContaining("65525");
  }

  @Test
  void labelsKeepTheirCaseAndAreChecked() {
    assertThat(new FatSpec(List.of(), SIZE, 1, "piboot").label()).isEqualTo("piboot");
    assertThatThrownBy(() -> new FatSpec(List.of(), SIZE, 1, "TWELVE CHARS"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new FatSpec(List.of(), SIZE, 1, "A.B"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new FatSpec(List.of(), SIZE, 1, "ÄB"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new FatSpec(List.of(), SIZE + 1, 1, "A"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void timesAreClampedToFatsRangeAndRoundedDown() {
    FileTime before1980 = FileTime.fromMillis(0);
    FileTime after2107 = FileTime.fromMillis(5_000_000_000_000L);
    FileTime odd = FileTime.fromMillis(1_700_000_001_999L);

    assertThat(FatTime.decode(FatTime.date(before1980), FatTime.time(before1980)))
        .isEqualTo(FatTime.EPOCH);
    assertThat(FatTime.decode(FatTime.date(after2107), FatTime.time(after2107)).toString())
        .isEqualTo("2107-12-31T23:59:58Z");
    assertThat(FatTime.decode(FatTime.date(odd), FatTime.time(odd)).toMillis())
        .isEqualTo(1_700_000_000_000L);
  }
}
