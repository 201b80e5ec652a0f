package dev.lbuvault.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.lbuvault.crypto.Password;
import dev.lbuvault.crypto.PasswordFile;
import dev.lbuvault.testing.Openssl;
import dev.lbuvault.testing.Openssl.Kdf;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Encrypted apkovls made by the real {@code openssl enc}, decrypted and validated. */
class EncryptedApkovlValidatorTest {
  private static final String SECRET = "pi-at-the-lake";

  @TempDir Path dir;
  private Path plain;
  private Path passwordFile;
  private ApkovlValidator withPassword;

  @BeforeEach
  void makeApkovl() throws Exception {
    plain = ApkovlFixtures.lbuApkovl(dir);
    passwordFile = Openssl.passwordFile(dir.resolve("pw"), SECRET);
    withPassword = new ApkovlValidator(Optional.of(PasswordFile.read(passwordFile)));
  }

  @ParameterizedTest
  @EnumSource(Kdf.class)
  void everyCipherAndKeyDerivationIsDecryptedAndItsContentValidatedLikeAPlainApkovl(Kdf kdf)
      throws Exception {
    ApkovlSummary expected = new ApkovlValidator().validate(plain);
    for (String cipher : Openssl.CIPHERS) {
      Path enc = encrypted(plain, cipher, kdf);

      ApkovlSummary s = withPassword.validate(enc);

      assertThat(s.encrypted()).isTrue();
      assertThat(s.cipher()).isEqualTo(cipher);
      assertThat(s.sizeBytes()).isEqualTo(Files.size(enc));
      assertThat(s.entryCount()).as(cipher).isEqualTo(expected.entryCount());
      assertThat(s.worldPackages()).isEqualTo(ApkovlFixtures.WORLD);
      assertThat(s.fstabLines()).contains(ApkovlFixtures.FSTAB_LINE);
      assertThat(s.keyDerivation())
          .isEqualTo(kdf == Kdf.MD5 ? "md5" : kdf == Kdf.PBKDF2 ? "pbkdf2-sha256" : "sha256");
      assertThat(s.notVerified()).isNull();
      assertThat(s.warning()).isNull();
    }
  }

  @Test
  void anApkovlMadeWithLbusOwnPipelineIsDecrypted() throws Exception {
    Path root = dir.resolve("root");
    Path enc =
        Openssl.lbuApkovl(
            root, Files.createDirectory(dir.resolve("card")), "rpi", "aes-256-cbc", passwordFile);

    ApkovlSummary s = withPassword.validate(enc);

    assertThat(s.worldPackages()).isEqualTo(ApkovlFixtures.WORLD);
    assertThat(s.keyDerivation()).isEqualTo("sha256");
  }

  @Test
  void withoutAPasswordOnlyTheEnvelopeIsCheckedAndTheSummarySaysSo() throws Exception {
    Path enc = encrypted(plain, "aes-256-cbc", Kdf.DEFAULT);

    ApkovlSummary s = new ApkovlValidator().validate(enc);

    assertThat(s.entryCount()).isEqualTo(-1);
    assertThat(s.notVerified()).isEqualTo("no password file");
    assertThat(s.warning()).isEqualTo("encrypted apkovl not verified: no password file");
  }

  @Test
  void aWrongPasswordIsAWarningNotADefectInEveryMode() throws Exception {
    Password wrong = PasswordFile.read(Openssl.passwordFile(dir.resolve("bad"), "nope"));
    for (String cipher : List.of("aes-256-cbc", "aes-128-ctr", "aes-192-cfb", "aes-256-ofb")) {
      Path enc = encrypted(plain, cipher, Kdf.DEFAULT);

      ApkovlSummary s = new ApkovlValidator(Optional.of(wrong)).validate(enc);

      assertThat(s.warning()).as(cipher).isEqualTo("encrypted apkovl not verified: wrong password");
      assertThat(s.entryCount()).isEqualTo(-1);
      assertThat(s.keyDerivation()).isNull();
    }
  }

  @Test
  void anUnsupportedCipherIsStoredUnverifiedWithItsName() throws Exception {
    Path enc = encrypted(plain, "aes-256-cbc", Kdf.DEFAULT);
    Path renamed = Files.move(enc, dir.resolve("rpi.apkovl.tar.gz.camellia-256-cbc"));

    assertThat(withPassword.validate(renamed).warning())
        .isEqualTo(
            "encrypted apkovl not verified: cipher camellia-256-cbc is not one lbuvault decrypts");
  }

  @ParameterizedTest
  @EnumSource(
      value = Kdf.class,
      names = {"DEFAULT", "PBKDF2"})
  void theRightPasswordOnATruncatedInnerGzipIsRefusedLikeABrokenPlainApkovl(Kdf kdf)
      throws Exception {
    byte[] bytes = Files.readAllBytes(plain);
    Path cut = Files.write(dir.resolve("cut.gz"), Arrays.copyOf(bytes, bytes.length - 40));
    for (String cipher : List.of("aes-256-cbc", "aes-256-ctr", "aes-128-cfb8")) {
      Path enc = encrypted(cut, cipher, kdf);

      InvalidApkovlException e = rejected(enc);

      assertThat(e.defect()).as(cipher).startsWith("truncated");
      assertThat(e.getMessage()).doesNotContain(SECRET);
    }
  }

  @Test
  void theRightPasswordOnACorruptInnerGzipIsRefused() throws Exception {
    byte[] bytes = Files.readAllBytes(plain);
    bytes[bytes.length / 2] ^= 0x55;
    Path corrupt = Files.write(dir.resolve("corrupt.gz"), bytes);

    InvalidApkovlException e = rejected(encrypted(corrupt, "aes-256-ofb", Kdf.DEFAULT));

    assertThat(e.defect()).containsAnyOf("gzip data corrupt", "malformed tar", "truncated");
  }

  @Test
  void aCbcApkovlMissingItsLastBlockIsRefusedAsDamagedCiphertext() throws Exception {
    byte[] bytes = Files.readAllBytes(encrypted(plain, "aes-256-cbc", Kdf.DEFAULT));
    Path cut =
        Files.write(
            dir.resolve("x.apkovl.tar.gz.aes-256-cbc"), Arrays.copyOf(bytes, bytes.length - 16));

    assertThat(rejected(cut).defect()).containsAnyOf("encrypted data damaged", "truncated");
  }

  @Test
  void aStreamModeApkovlOfAnyLengthPassesItsEnvelopeCheck() throws Exception {
    // Without the password only the envelope is read, so any plaintext of 16n+5 bytes will do.
    byte[] bytes = Files.readAllBytes(plain);
    Path odd = Files.write(dir.resolve("odd"), Arrays.copyOf(bytes, bytes.length / 16 * 16 - 11));
    Path enc = encrypted(odd, "aes-256-ctr", Kdf.DEFAULT);
    assertThat(Files.size(enc) % 16).isEqualTo(5);

    assertThat(new ApkovlValidator().validate(enc).notVerified()).isEqualTo("no password file");
  }

  private Path encrypted(Path source, String cipher, Kdf kdf) throws Exception {
    Path out = dir.resolve("rpi.apkovl.tar.gz." + cipher);
    Files.deleteIfExists(out);
    return Openssl.encrypt(source, out, cipher, kdf, passwordFile);
  }

  private InvalidApkovlException rejected(Path file) {
    Throwable thrown = catchThrowable(() -> withPassword.validate(file));
    assertThat(thrown).isInstanceOf(InvalidApkovlException.class);
    assertThat(thrown.getMessage()).doesNotContain("\n").doesNotContain(SECRET);
    return (InvalidApkovlException) thrown;
  }
}
