package dev.lbuvault.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbuvault.testing.ApkIndexes;
import dev.lbuvault.testing.ApkIndexes.Pkg;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * APKINDEX.tar.gz made by GNU tar and gzip (signed as abuild-sign does, and plain) reads back as
 * the records written; hostile text is refused within its bounds instead of filling the heap.
 */
class ApkIndexReaderTest {
  @TempDir Path tmp;

  private static final List<Pkg> PACKAGES =
      List.of(
          Pkg.of("musl", "1.2.5-r0").providing("so:libc.musl-aarch64.so.1=1"),
          Pkg.of("openssl", "3.3.2-r0", "so:libcrypto.so.3", "so:libssl.so.3", "!libressl")
              .providing("cmd:openssl=3.3.2-r0"));

  @Test
  void signedAndPlainIndexesReadBackAsWritten() throws IOException {
    for (boolean signed : List.of(true, false)) {
      Path index = ApkIndexes.write(tmp.resolve(signed + "/APKINDEX.tar.gz"), PACKAGES, signed);
      List<ApkIndexEntry> read = new ArrayList<>();
      try (InputStream in = Files.newInputStream(index)) {
        ApkIndexReader.readTarGz(in, "x/APKINDEX.tar.gz", read::add);
      }
      assertThat(read)
          .containsExactly(
              new ApkIndexEntry(
                  "musl", "1.2.5-r0", List.of(), List.of("so:libc.musl-aarch64.so.1=1")),
              new ApkIndexEntry(
                  "openssl",
                  "3.3.2-r0",
                  List.of("so:libcrypto.so.3", "so:libssl.so.3", "!libressl"),
                  List.of("cmd:openssl=3.3.2-r0")));
    }
  }

  @Test
  void aLineLongerThanTheBoundIsRefusedNamingTheFile() {
    byte[] text =
        ("P:" + "a".repeat(ApkIndexReader.MAX_LINE) + "\n").getBytes(StandardCharsets.US_ASCII);
    assertThatThrownBy(
            () ->
                ApkIndexReader.readText(new ByteArrayInputStream(text), "cache/installed", e -> {}))
        .isInstanceOf(IOException.class)
        .hasMessage("cache/installed: a line over 65536 bytes");
  }

  @Test
  void endlessIndexTextStopsAtTheBound() {
    InputStream endless =
        new InputStream() {
          private final byte[] record = "P:a\nV:1-r0\n\n".getBytes(StandardCharsets.US_ASCII);
          private long i;

          @Override
          public int read() {
            return record[(int) (i++ % record.length)];
          }
        };
    long[] records = {0};
    assertThatThrownBy(() -> ApkIndexReader.readText(endless, "cache/installed", e -> records[0]++))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("index text over " + ApkIndexReader.MAX_INDEX_BYTES + " bytes");
    assertThat(records[0]).isPositive();
  }

  @Test
  void aTarWithoutAnApkindexMemberIsNamed() throws IOException {
    Path index = ApkIndexes.write(tmp.resolve("APKINDEX.tar.gz"), PACKAGES, false);
    Path other = tmp.resolve("other.tar.gz");
    dev.lbuvault.testing.Commands.check(
        tmp, "sh", "-c", "echo hi > README && tar -czf other.tar.gz README");
    try (InputStream in = Files.newInputStream(other)) {
      assertThatThrownBy(() -> ApkIndexReader.readTarGz(in, "apks/x/APKINDEX.tar.gz", e -> {}))
          .hasMessage("apks/x/APKINDEX.tar.gz holds no APKINDEX member");
    }
    assertThat(index).exists();
  }

  @Test
  void aGzipBombBeforeTheIndexStopsAtTheTarBound() throws IOException {
    dev.lbuvault.testing.Commands.check(
        tmp,
        "sh",
        "-c",
        "head -c 200M /dev/zero > DESCRIPTION && printf 'P:a\\nV:1-r0\\n' > APKINDEX"
            + " && tar -czf bomb.tar.gz DESCRIPTION APKINDEX && rm DESCRIPTION");
    assertThat(Files.size(tmp.resolve("bomb.tar.gz"))).isLessThan(1 << 20);
    try (InputStream in = Files.newInputStream(tmp.resolve("bomb.tar.gz"))) {
      assertThatThrownBy(() -> ApkIndexReader.readTarGz(in, "cache/APKINDEX.x.tar.gz", e -> {}))
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith("cache/APKINDEX.x.tar.gz")
          .hasMessageContaining(
              "over " + ApkIndexReader.MAX_TAR_BYTES + " bytes once decompressed");
    }
  }
}
