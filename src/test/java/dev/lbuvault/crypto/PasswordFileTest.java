package dev.lbuvault.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbuvault.testing.Openssl;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PasswordFileTest {
  @TempDir Path dir;

  @Test
  void thePasswordIsTheFirstLineWithoutItsNewlineAsOpensslReadsIt() throws Exception {
    Path file = Openssl.passwordFile(dir.resolve("pw"), "s3cret");
    Files.writeString(file, "s3cret\nsecond line\n");

    assertThat(PasswordFile.read(file))
        .isEqualTo(new Password("s3cret".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void aFileReadableByTheGroupIsRefusedWithTheChmodToRun() throws Exception {
    Path file = Openssl.passwordFile(dir.resolve("pw"), "s3cret");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));

    assertThatThrownBy(() -> PasswordFile.read(file))
        .isInstanceOf(PasswordFileException.class)
        .hasMessage(
            "password file "
                + file
                + " is accessible by group or others (mode 640): run chmod 600 "
                + file);
  }

  @Test
  void aFileReadableByOthersIsRefused() throws Exception {
    Path file = Openssl.passwordFile(dir.resolve("pw"), "s3cret");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw----r--"));

    assertThatThrownBy(() -> PasswordFile.read(file))
        .hasMessageContaining("(mode 604): run chmod 600")
        .hasMessageNotContaining("s3cret");
  }

  @Test
  void aMissingOrEmptyFileIsRefused() throws Exception {
    assertThatThrownBy(() -> PasswordFile.read(dir.resolve("none")))
        .hasMessage("password file " + dir.resolve("none") + " does not exist");
    Path empty = Openssl.passwordFile(dir.resolve("empty"), "");
    assertThatThrownBy(() -> PasswordFile.read(empty)).hasMessageContaining("is empty");
  }

  @Test
  void aPasswordNeverShowsInItsStringForm() throws Exception {
    Password p = PasswordFile.read(Openssl.passwordFile(dir.resolve("pw"), "s3cret"));

    assertThat(p.toString()).doesNotContain("s3cret");
  }
}
