package dev.lbuvault.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Openssl;
import dev.lbuvault.testing.Openssl.Kdf;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** OpensslEnc against files the real {@code openssl enc} wrote. */
class OpensslEncTest {
  private static final String SECRET = "correct horse battery staple";
  private static final Predicate<byte[]> GZIP =
      b -> b.length >= 2 && (b[0] & 0xff) == 0x1f && (b[1] & 0xff) == 0x8b;

  @TempDir Path dir;
  private Path plain;
  private Path passwordFile;

  @BeforeEach
  void makePlaintext() throws IOException {
    byte[] data = new byte[300_000];
    new Random(7).nextBytes(data);
    Path raw = Files.write(dir.resolve("data"), data);
    Commands.check(dir, "gzip", "-n", raw.toString());
    plain = dir.resolve("data.gz");
    passwordFile = Openssl.passwordFile(dir.resolve("pw"), SECRET);
  }

  @ParameterizedTest
  @EnumSource(Kdf.class)
  void everySupportedCipherDecryptsToTheExactPlaintextWithEveryKeyDerivation(Kdf kdf)
      throws Exception {
    byte[] expected = Files.readAllBytes(plain);
    for (String name : Openssl.CIPHERS) {
      Path enc = Openssl.encrypt(plain, dir.resolve("out." + name), name, kdf, passwordFile);
      EncCipher cipher = EncCipher.forName(name).orElseThrow();

      try (Decrypted d = OpensslEnc.open(Files.newInputStream(enc), cipher, password(), GZIP)) {
        assertThat(d.plaintext().readAllBytes()).as(name + " " + kdf).isEqualTo(expected);
        assertThat(d.derivation()).as(name + " " + kdf).isEqualTo(expectedDerivation(kdf));
      }
    }
  }

  @Test
  void closingBeforeTheEndIsNotAnError() throws Exception {
    Path enc = Openssl.encrypt(plain, dir.resolve("o"), "aes-256-cbc", Kdf.DEFAULT, passwordFile);
    EncCipher cipher = EncCipher.forName("aes-256-cbc").orElseThrow();

    try (Decrypted d = OpensslEnc.open(Files.newInputStream(enc), cipher, password(), GZIP)) {
      assertThat(d.plaintext().readNBytes(100)).hasSize(100);
    }
  }

  @Test
  void opensslsAliasAes256IsAes256Cbc() throws Exception {
    Path enc = Openssl.encrypt(plain, dir.resolve("o"), "aes256", Kdf.DEFAULT, passwordFile);
    EncCipher cipher = EncCipher.forName("aes256").orElseThrow();

    assertThat(cipher.mode()).isEqualTo(EncCipher.Mode.CBC);
    try (Decrypted d = OpensslEnc.open(Files.newInputStream(enc), cipher, password(), GZIP)) {
      assertThat(d.plaintext().readAllBytes()).isEqualTo(Files.readAllBytes(plain));
    }
  }

  @Test
  void unsupportedCiphersAreNotRecognised() {
    assertThat(EncCipher.forName("chacha20")).isEmpty();
    assertThat(EncCipher.forName("des-ede3-cbc")).isEmpty();
    assertThat(EncCipher.forName("aes-256-gcm")).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(
      value = Kdf.class,
      names = {"DEFAULT", "PBKDF2"})
  void aWrongPasswordIsRecognisedInEveryModeWithoutNamingThePassword(Kdf kdf) throws Exception {
    for (String name : Openssl.CIPHERS) {
      Path enc = Openssl.encrypt(plain, dir.resolve("out." + name), name, kdf, passwordFile);
      EncCipher cipher = EncCipher.forName(name).orElseThrow();
      Password wrong = PasswordFile.read(Openssl.passwordFile(dir.resolve("bad"), "Tr0ub4dor&3"));

      assertThatThrownBy(() -> OpensslEnc.open(Files.newInputStream(enc), cipher, wrong, GZIP))
          .as(name)
          .isInstanceOf(WrongPasswordException.class)
          .hasMessageStartingWith("wrong password")
          .hasMessageNotContaining("Tr0ub4dor")
          .hasMessageNotContaining(SECRET);
    }
  }

  @Test
  void aCbcFileCutInsideABlockFailsAtItsEndAsDamagedCiphertext() throws Exception {
    Path enc = Openssl.encrypt(plain, dir.resolve("o"), "aes-256-cbc", Kdf.DEFAULT, passwordFile);
    byte[] bytes = Files.readAllBytes(enc);

    assertThat(readAll(Arrays.copyOf(bytes, bytes.length - 5), "aes-256-cbc"))
        .isInstanceOf(CiphertextException.class)
        .hasMessageStartingWith("encrypted data damaged at its end");
  }

  @Test
  void aCbcFileWhosePaddingWasCorruptedFailsAtItsEnd() throws Exception {
    Path enc = Openssl.encrypt(plain, dir.resolve("o"), "aes-256-cbc", Kdf.DEFAULT, passwordFile);
    byte[] bytes = Files.readAllBytes(enc);
    // CBC: flipping the last byte of the next-to-last block flips the last plaintext byte, the
    // padding length, to a value from 0xef up: never valid PKCS#7 padding.
    bytes[bytes.length - 17] ^= (byte) 0xff;

    assertThat(readAll(bytes, "aes-256-cbc"))
        .isInstanceOf(CiphertextException.class)
        .hasMessageContaining("truncated or corrupt ciphertext");
  }

  @Test
  void dataWithoutTheSaltedHeaderOrCutInsideItIsDamaged() {
    byte[] noMagic = new byte[64];
    assertThatThrownBy(
            () ->
                OpensslEnc.open(
                    new ByteArrayInputStream(noMagic),
                    EncCipher.forName("aes-256-cbc").orElseThrow(),
                    password(),
                    GZIP))
        .isInstanceOf(CiphertextException.class)
        .hasMessageContaining("Salted__");
    byte[] headerOnly = "Salted__1234567".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    assertThatThrownBy(
            () ->
                OpensslEnc.open(
                    new ByteArrayInputStream(headerOnly),
                    EncCipher.forName("aes-256-ctr").orElseThrow(),
                    password(),
                    GZIP))
        .isInstanceOf(CiphertextException.class)
        .hasMessage("encrypted data ends after 15 bytes, inside its 16-byte header");
  }

  private Throwable readAll(byte[] ciphertext, String name) {
    try (Decrypted d =
        OpensslEnc.open(
            new ByteArrayInputStream(ciphertext),
            EncCipher.forName(name).orElseThrow(),
            password(),
            GZIP)) {
      InputStream in = d.plaintext();
      in.transferTo(java.io.OutputStream.nullOutputStream());
      return null;
    } catch (Exception e) {
      return e;
    }
  }

  private Password password() throws PasswordFileException {
    return PasswordFile.read(passwordFile);
  }

  private static KeyDerivation expectedDerivation(Kdf kdf) {
    return switch (kdf) {
      case DEFAULT, SHA256 -> KeyDerivation.EVP_SHA256;
      case MD5 -> KeyDerivation.EVP_MD5;
      case PBKDF2 -> KeyDerivation.PBKDF2_SHA256;
    };
  }
}
