package dev.lbuvault.archive;

import static dev.lbuvault.archive.ApkovlFixtures.gzip;
import static dev.lbuvault.archive.ApkovlFixtures.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.lbuvault.archive.ApkovlFixtures.TarBuilder;
import dev.lbuvault.testing.Tools;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.Deflater;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ApkovlValidatorTest {
  private final ApkovlValidator validator = new ApkovlValidator();

  @TempDir Path dir;

  @Test
  void anApkovlWrittenLikeLbuDoesPassesWithItsEntriesWorldAndFstab() throws Exception {
    Path apkovl = ApkovlFixtures.lbuApkovl(dir);

    ApkovlSummary summary = validator.validate(apkovl);

    assertThat(summary.fileName()).isEqualTo("rpi.apkovl.tar.gz");
    assertThat(summary.sizeBytes()).isEqualTo(Files.size(apkovl));
    assertThat(summary.encrypted()).isFalse();
    assertThat(summary.cipher()).isNull();
    assertThat(summary.entryCount()).isEqualTo(ApkovlFixtures.LBU_MEMBERS.size());
    assertThat(summary.worldPackages()).containsExactlyElementsOf(ApkovlFixtures.WORLD);
    assertThat(summary.fstabLines())
        .containsExactly("# card", ApkovlFixtures.FSTAB_LINE, "/dev/cdrom /media/cdrom iso9660");
  }

  @Test
  void anApkovlMadeOfSeveralGzipMembersIsStillValid() throws Exception {
    byte[] tar = ApkovlFixtures.inMemoryTar();
    byte[] first = gzip(Arrays.copyOfRange(tar, 0, 1500));
    byte[] second = gzip(Arrays.copyOfRange(tar, 1500, tar.length));
    Path apkovl = write(dir, "rpi.apkovl.tar.gz", concat(first, second));

    ApkovlSummary summary = validator.validate(apkovl);

    assertThat(summary.entryCount()).isEqualTo(9);
    assertThat(summary.worldPackages()).containsExactlyElementsOf(ApkovlFixtures.WORLD);
  }

  @Test
  void aTruncatedApkovlIsReportedAsTruncatedWhereverItIsCut() throws Exception {
    byte[] whole = Files.readAllBytes(ApkovlFixtures.lbuApkovl(dir));
    int[] keep = {1, 2, 10, 11, whole.length / 3, whole.length / 2, whole.length - 8};
    for (int k : keep) {
      int length = k;
      Path cut = write(dir, "rpi.apkovl.tar.gz", Arrays.copyOf(whole, length));
      assertThat(rejected(cut).defect())
          .as("cut after %d of %d bytes", length, whole.length)
          .startsWith("truncated: the file ends inside the gzip data at byte " + length);
    }
  }

  @Test
  void anApkovlCutInsideTheGzipTrailerIsTruncatedToo() throws Exception {
    byte[] whole = Files.readAllBytes(ApkovlFixtures.lbuApkovl(dir));
    for (int missing = 1; missing <= 7; missing++) {
      Path cut = write(dir, "rpi.apkovl.tar.gz", Arrays.copyOf(whole, whole.length - missing));
      assertThat(rejected(cut).defect())
          .as("%d trailer bytes missing", missing)
          .startsWith("truncated");
    }
  }

  @Test
  void aByteFlippedInStoredGzipDataIsReportedAsACrcMismatchAtTheTrailer() throws Exception {
    byte[] tar = ApkovlFixtures.inMemoryTar();
    byte[] stored = gzipStored(tar);
    // The first header sits right after the 10-byte gzip header and 5-byte stored-block header,
    // so the tar parser trips over its checksum first; the CRC is still the better diagnosis.
    stored[10 + 5 + 100] ^= 0x01;
    Path apkovl = write(dir, "rpi.apkovl.tar.gz", stored);

    InvalidApkovlException e = rejected(apkovl);

    assertThat(e.defect())
        .isEqualTo("gzip data corrupt (CRC mismatch) at byte " + (stored.length - 8));
    assertThat(e.getMessage())
        .isEqualTo(
            "rpi.apkovl.tar.gz: gzip data corrupt (CRC mismatch) at byte "
                + (stored.length - 8)
                + ": the file is damaged; run lbu commit again");
  }

  @Test
  void aByteFlippedInTheMiddleOfLbusCompressedOutputIsReportedAsDamage() throws Exception {
    byte[] bytes = Files.readAllBytes(ApkovlFixtures.lbuApkovl(dir));
    bytes[bytes.length / 2] ^= 0x55;
    Path apkovl = write(dir, "rpi.apkovl.tar.gz", bytes);

    InvalidApkovlException e = rejected(apkovl);

    // Which of the two the decoder hits first depends on the compressed bits.
    assertThat(e.defect()).containsAnyOf("gzip data corrupt", "truncated");
    assertThat(e.getMessage()).endsWith("the file is damaged; run lbu commit again");
  }

  @Test
  void aDamagedIsizeIsReportedAsALengthMismatch() throws Exception {
    byte[] bytes = Files.readAllBytes(ApkovlFixtures.lbuApkovl(dir));
    bytes[bytes.length - 2] ^= 0x01;
    Path apkovl = write(dir, "rpi.apkovl.tar.gz", bytes);

    assertThat(rejected(apkovl).defect())
        .isEqualTo("gzip data corrupt (length mismatch) at byte " + (bytes.length - 4));
  }

  @Test
  void garbageIsNotGzipData() throws Exception {
    Path apkovl =
        write(
            dir,
            "rpi.apkovl.tar.gz",
            "PK\u0003\u0004 not a tarball".getBytes(StandardCharsets.UTF_8));

    assertThat(rejected(apkovl).defect()).startsWith("not gzip data");
  }

  @Test
  void anEmptyFileIsRejected() throws Exception {
    Path apkovl = write(dir, "rpi.apkovl.tar.gz", new byte[0]);

    assertThat(rejected(apkovl).defect()).isEqualTo("empty file (0 bytes)");
  }

  @ParameterizedTest
  @ValueSource(strings = {"garbage", "\u0000\u0000\u0000\u0000", "\u001f\u008b"})
  void trailingBytesAfterTheGzipDataAreRejected(String tail) throws Exception {
    byte[] whole = Files.readAllBytes(ApkovlFixtures.lbuApkovl(dir));
    Path apkovl =
        write(dir, "rpi.apkovl.tar.gz", concat(whole, tail.getBytes(StandardCharsets.ISO_8859_1)));

    String defect = rejected(apkovl).defect();

    if (tail.startsWith("\u001f")) {
      // Looks like the start of another member, which then ends inside its own header.
      assertThat(defect).startsWith("truncated: the file ends inside the gzip data");
    } else {
      assertThat(defect).isEqualTo("trailing garbage after the gzip data at byte " + whole.length);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"../x", "etc/../../x", "etc/apk/..", "./../etc/shadow"})
  void aMemberNameWithADotDotSegmentIsUnsafe(String name) throws Exception {
    Path apkovl = apkovlOf(new TarBuilder().file("etc/hostname", "rpi\n").file(name, "x"));

    InvalidApkovlException e = rejected(apkovl);

    assertThat(e.defect()).isEqualTo("member name '" + name + "' contains a '..' segment");
    assertThat(e.getMessage()).contains("refusing an archive");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/etc/x",
        "/etc/caf\u00e9",
        "/etc/a-very-long-name-that-needs-a-gnu-long-name-record-because-it-is-well-over-"
            + "one-hundred-characters"
      })
  void anAbsoluteMemberNameIsUnsafeEvenWhenItTravelsInAGnuOrPaxRecord(String name)
      throws Exception {
    Path gnu =
        apkovlOf(new TarBuilder().paxForNonAscii().file("etc/hostname", "rpi\n").file(name, "x"));
    Path pax =
        apkovlOf(
            new TarBuilder()
                .paxForNonAscii()
                .paxLongNames()
                .file("etc/hostname", "rpi\n")
                .file(name, "x"));

    assertThat(rejected(gnu).defect()).startsWith("absolute member name '" + name);
    assertThat(rejected(pax).defect()).startsWith("absolute member name '" + name);
  }

  @Test
  void anAbsoluteMemberNameWrittenByGnuTarIsUnsafe() throws Exception {
    Path tar = Tools.require("tar");
    Path apkovl = ApkovlFixtures.lbuApkovl(dir);
    Path root = dir.resolve("root");
    Path absolute = dir.resolve("absolute.apkovl.tar.gz");
    ApkovlFixtures.run(
        root,
        "etc/hostname\n" + root.resolve("etc/shadow") + "\n",
        tar.toString(),
        "-c",
        "--no-recursion",
        "--absolute-names",
        "-T",
        "-",
        "-z",
        "-f",
        absolute.toString());

    assertThat(validator.validate(apkovl).entryCount()).isPositive();
    assertThat(rejected(absolute).defect())
        .isEqualTo(
            "absolute member name '" + root.resolve("etc/shadow") + "': lbu writes relative names");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/etc/shadow", "../etc/shadow", "etc/../../etc/shadow"})
  void aHardLinkPointingOutsideTheArchiveIsUnsafe(String target) throws Exception {
    Path apkovl =
        apkovlOf(new TarBuilder().file("etc/hostname", "rpi\n").hardLink("etc/x", target));

    assertThat(rejected(apkovl).defect())
        .startsWith("hard link 'etc/x' has a")
        .endsWith("'" + target + "'");
  }

  @Test
  void symlinksWithAbsoluteTargetsAreFineBecauseLbuKeepsTheApkCacheLink() throws Exception {
    Path apkovl =
        apkovlOf(
            new TarBuilder()
                .symlink("etc/apk/cache", "/media/mmcblk0p1/cache")
                .symlink("etc/localtime", "../usr/share/zoneinfo/UTC"));

    assertThat(validator.validate(apkovl).entryCount()).isEqualTo(2);
  }

  @Test
  void anArchiveWithoutEtcIsNotAnApkovl() throws Exception {
    Path apkovl = apkovlOf(new TarBuilder().dir("home").file("home/notes.txt", "hi"));

    InvalidApkovlException e = rejected(apkovl);

    assertThat(e.defect()).isEqualTo("no etc/ entry: not an apkovl");
  }

  @Test
  void aTarHeaderWithABadChecksumIsRejected() throws Exception {
    byte[] tar = ApkovlFixtures.inMemoryTar();
    tar[512 + 136] ^= 0x01; // mtime of the second header; its checksum no longer matches
    Path apkovl = write(dir, "rpi.apkovl.tar.gz", gzip(tar));

    assertThat(rejected(apkovl).defect())
        .isEqualTo("bad tar header checksum at tar offset 512 after entry 1 ('etc/')");
  }

  @Test
  void aTarCutAtAHeaderBoundaryInsideIntactGzipIsTruncated() throws Exception {
    byte[] tar = ApkovlFixtures.inMemoryTar();
    Path apkovl = write(dir, "rpi.apkovl.tar.gz", gzip(Arrays.copyOf(tar, 1024)));

    assertThat(rejected(apkovl).defect())
        .isEqualTo(
            "truncated: tar data ends after entry 2 ('etc/apk/') without an end-of-archive marker");
  }

  @Test
  void aHugeDeclaredSizeWithShortDataIsTruncated() throws Exception {
    TarArchiveEntry big = new TarArchiveEntry("etc/big");
    big.setSize(1L << 30);
    byte[] header = new byte[512];
    big.writeEntryHeader(header);
    byte[] tar = concat(header, new byte[700]);
    Path apkovl = write(dir, "rpi.apkovl.tar.gz", gzip(tar));

    assertThat(rejected(apkovl).defect())
        .isEqualTo(
            "truncated: tar data ends inside entry 1 ('etc/big', declared 1073741824 bytes)");
  }

  @Test
  void dataAfterTheTarEndMarkerIsRejected() throws Exception {
    byte[] tar = ApkovlFixtures.inMemoryTar();
    byte[] junk = new byte[10240];
    Arrays.fill(junk, (byte) 'x');
    Path apkovl = write(dir, "rpi.apkovl.tar.gz", gzip(concat(tar, junk)));

    assertThat(rejected(apkovl).defect())
        .startsWith("unexpected data after the tar end-of-archive marker at tar offset ");
  }

  @Test
  void dataHiddenInTheLastTarBlockAfterTheEndMarkerIsRejected() throws Exception {
    // GNU tar writes 10 KiB blocks: the end marker is followed by zero padding up to the block
    // end, which commons-compress skips unread.
    byte[] tar =
        Arrays.copyOf(new TarBuilder().dir("etc").file("etc/hostname", "rpi\n").tar(), 10240);
    tar[tar.length - 1] = 'x';
    Path apkovl = write(dir, "rpi.apkovl.tar.gz", gzip(tar));

    assertThat(rejected(apkovl).defect())
        .startsWith("unexpected data after the tar end-of-archive marker at tar offset ");
  }

  @Test
  void aWorldFileOverOneMebibyteIsRejected() throws Exception {
    byte[] world = new byte[ApkovlValidator.MAX_TEXT_BYTES + 1];
    Arrays.fill(world, (byte) 'a');
    Path apkovl = apkovlOf(new TarBuilder().file("etc/apk/world", world));

    assertThat(rejected(apkovl).defect())
        .isEqualTo("'etc/apk/world' is larger than 1 MiB (1048577 bytes)");
  }

  @Test
  void anEncryptedApkovlMadeByOpensslPassesWithOnlyItsEnvelopeKnown() throws Exception {
    Path encrypted = encrypt(ApkovlFixtures.lbuApkovl(dir));

    ApkovlSummary summary = validator.validate(encrypted);

    assertThat(summary)
        .isEqualTo(
            new ApkovlSummary(
                "rpi.apkovl.tar.gz.aes-256-cbc",
                Files.size(encrypted),
                true,
                "aes-256-cbc",
                -1,
                List.of(),
                List.of()));
  }

  @Test
  void aRotatedEncryptedBackupIsRecognisedAsEncryptedByItsName() throws Exception {
    Path encrypted = encrypt(ApkovlFixtures.lbuApkovl(dir));
    Path rotated = Files.move(encrypted, dir.resolve("rpi.20240102030405.tar.gz.aes-256-cbc"));

    assertThat(validator.validate(rotated).cipher()).isEqualTo("aes-256-cbc");
  }

  @Test
  void anEncryptedApkovlWithALengthThatIsNotAMultipleOf16IsTruncated() throws Exception {
    byte[] bytes = Files.readAllBytes(encrypt(ApkovlFixtures.lbuApkovl(dir)));
    Path cut = write(dir, "rpi.apkovl.tar.gz.aes-256-cbc", Arrays.copyOf(bytes, bytes.length - 5));

    assertThat(rejected(cut).defect())
        .isEqualTo(
            "encrypted apkovl length "
                + (bytes.length - 5)
                + " is not a multiple of 16 bytes: the file is truncated");
  }

  @Test
  void anEncryptedApkovlWithoutTheSaltedMagicIsRejected() throws Exception {
    byte[] bytes = new byte[64];
    Arrays.fill(bytes, (byte) 0x42);
    Path apkovl = write(dir, "rpi.apkovl.tar.gz.aes-256-cbc", bytes);

    assertThat(rejected(apkovl).defect())
        .isEqualTo(
            "encrypted apkovl does not start with \"Salted__\" (not openssl enc -salt output)");
  }

  @Test
  void anEncryptedApkovlWithNothingAfterTheSaltIsTooShort() throws Exception {
    byte[] bytes = concat("Salted__".getBytes(StandardCharsets.US_ASCII), new byte[8]);
    Path apkovl = write(dir, "rpi.apkovl.tar.gz.aes-256-cbc", bytes);

    assertThat(rejected(apkovl).defect())
        .isEqualTo("encrypted apkovl too short (16 bytes; a salted block needs at least 32)");
  }

  @Test
  void anEmptyEncryptedApkovlIsRejected() throws Exception {
    Path apkovl = write(dir, "rpi.apkovl.tar.gz.aes-256-cbc", new byte[0]);

    assertThat(rejected(apkovl).defect()).isEqualTo("empty file (0 bytes)");
  }

  @Test
  void aFileThatCannotBeReadIsAnIoErrorNotADefect() throws Exception {
    Path directory = Files.createDirectory(dir.resolve("rpi.apkovl.tar.gz"));
    Path missing = dir.resolve("gone.apkovl.tar.gz");

    assertThatThrownBy(() -> validator.validate(directory)).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> validator.validate(missing)).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void thePaxRecordScannerTellsWhetherThePathKeywordIsAbsolute() {
    assertThat(
            StrictTarInputStream.paxPathAbsolute("13 path=/etc\n".getBytes(StandardCharsets.UTF_8)))
        .contains(true);
    assertThat(
            StrictTarInputStream.paxPathAbsolute("12 path=etc\n".getBytes(StandardCharsets.UTF_8)))
        .contains(false);
    assertThat(
            StrictTarInputStream.paxPathAbsolute("11 uid=100\n".getBytes(StandardCharsets.UTF_8)))
        .isEmpty();
  }

  private InvalidApkovlException rejected(Path file) {
    Throwable thrown = catchThrowable(() -> validator.validate(file));
    assertThat(thrown).isInstanceOf(InvalidApkovlException.class);
    InvalidApkovlException e = (InvalidApkovlException) thrown;
    assertThat(e.file()).isEqualTo(file);
    assertThat(e.getMessage())
        .startsWith(file.getFileName() + ": " + e.defect() + ": ")
        .doesNotContain("\n")
        .doesNotContain("\r");
    return e;
  }

  private Path apkovlOf(TarBuilder builder) throws IOException {
    return write(dir, "test.apkovl.tar.gz", gzip(builder.tar()));
  }

  private Path encrypt(Path plain) throws Exception {
    Path openssl = Tools.require("openssl");
    Path out = dir.resolve(plain.getFileName() + ".aes-256-cbc");
    ApkovlFixtures.run(
        dir,
        null,
        openssl.toString(),
        "enc",
        "-aes-256-cbc",
        "-salt",
        "-pass",
        "pass:x",
        "-in",
        plain.toString(),
        "-out",
        out.toString());
    return out;
  }

  private static byte[] gzipStored(byte[] data) throws IOException {
    GzipParameters parameters = new GzipParameters();
    parameters.setCompressionLevel(Deflater.NO_COMPRESSION);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GzipCompressorOutputStream gz = new GzipCompressorOutputStream(out, parameters)) {
      gz.write(data);
    }
    byte[] result = out.toByteArray();
    // Guard the offsets the caller relies on: one stored block right after a bare header.
    try (GzipCompressorInputStream check =
        GzipCompressorInputStream.builder()
            .setInputStream(new java.io.ByteArrayInputStream(result))
            .get()) {
      assertThat(check.readAllBytes()).isEqualTo(data);
    }
    return result;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] result = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, result, a.length, b.length);
    return result;
  }
}
