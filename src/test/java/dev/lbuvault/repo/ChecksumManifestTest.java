package dev.lbuvault.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChecksumManifestTest {
  private static final String A = "a".repeat(64);
  private static final String B = "b".repeat(64);

  @Test
  void writesExactlyWhatSha256sumWrites(@TempDir Path dir) throws IOException {
    Tools.require("sha256sum");
    Files.createDirectories(dir.resolve("card/boot"));
    Files.writeString(dir.resolve("card/config.txt"), "kernel=boot/vmlinuz-rpi\n");
    Files.writeString(dir.resolve("card/boot/café ☕.txt"), "x");
    Files.writeString(dir.resolve("card/back\\slash"), "y");
    String expected =
        Commands.check(
            dir, "sha256sum", "card/back\\slash", "card/boot/café ☕.txt", "card/config.txt");
    ChecksumManifest parsed = ChecksumManifest.parse(expected, "sha256sum output");
    assertThat(parsed.entries()).hasSize(3);
    assertThat(parsed.toText()).isEqualTo(expected);
    Files.writeString(dir.resolve("SHA256SUMS"), parsed.toText());
    assertThat(Commands.run(dir, List.of("sha256sum", "--quiet", "-c", "SHA256SUMS")).exitCode())
        .isZero();
  }

  @Test
  void entriesAreSortedByPathWhateverTheInputOrder() {
    ChecksumManifest m =
        new ChecksumManifest(
            List.of(new ManifestEntry("card/b", B), new ManifestEntry("card/a", A)));
    assertThat(m.toText()).isEqualTo(A + "  card/a\n" + B + "  card/b\n");
  }

  @Test
  void aNewlineInANameRoundTripsInEscapedForm() throws IOException {
    ChecksumManifest m = new ChecksumManifest(List.of(new ManifestEntry("card/two\nlines", A)));
    assertThat(m.toText()).isEqualTo("\\" + A + "  card/two\\nlines\n");
    assertThat(ChecksumManifest.parse(m.toText(), "x")).isEqualTo(m);
  }

  @Test
  void malformedLinesAreReportedWithTheirNumber() {
    assertThatThrownBy(() -> ChecksumManifest.parse(A + "  card/a\nnot a checksum line\n", "SUMS"))
        .hasMessage("SUMS line 2: not in sha256sum format");
    assertThatThrownBy(() -> ChecksumManifest.parse(A.toUpperCase() + "  card/a\n", "SUMS"))
        .hasMessageContaining("line 1");
    assertThatThrownBy(() -> ChecksumManifest.parse(A + "  ../etc/shadow\n", "SUMS"))
        .hasMessageContaining("invalid manifest path");
    assertThatThrownBy(() -> ChecksumManifest.parse(A + "  card/a\n" + B + "  card/a\n", "SUMS"))
        .hasMessageContaining("duplicate");
  }
}
