package dev.lbuvault.crypto;

import dev.lbuvault.fs.SkipByReading;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Predicate;
import org.bouncycastle.crypto.BlockCipher;
import org.bouncycastle.crypto.StreamCipher;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.io.CipherInputStream;
import org.bouncycastle.crypto.io.InvalidCipherTextIOException;
import org.bouncycastle.crypto.modes.CBCBlockCipher;
import org.bouncycastle.crypto.modes.CFBBlockCipher;
import org.bouncycastle.crypto.modes.OFBBlockCipher;
import org.bouncycastle.crypto.modes.SICBlockCipher;
import org.bouncycastle.crypto.paddings.PKCS7Padding;
import org.bouncycastle.crypto.paddings.PaddedBufferedBlockCipher;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;

/**
 * Decrypts the output of {@code openssl enc -<cipher> -salt} as a stream, in bounded memory: the
 * 16-byte header ({@code Salted__} and an 8-byte salt), then the ciphertext. The key derivation is
 * not written in the file, so each {@link KeyDerivation} is tried on the first ciphertext block and
 * the first whose plaintext the caller finds plausible wins; none is a wrong password. This is the
 * only reliable early test: the stream modes have no padding, and CBC's padding is only checked at
 * the very end.
 */
public final class OpensslEnc {
  /** What openssl writes first when it salts the key. */
  static final byte[] MAGIC = "Salted__".getBytes(StandardCharsets.US_ASCII);

  static final int SALT_BYTES = 8;
  static final int HEADER_BYTES = MAGIC.length + SALT_BYTES;

  /** Ciphertext decrypted with each candidate key to recognise the right one: one AES block. */
  static final int PROBE_BYTES = EncCipher.BLOCK_BYTES;

  private static final int CFB8_BITS = 8;
  private static final int FULL_BLOCK_BITS = 128;

  private OpensslEnc() {}

  /**
   * Opens {@code ciphertext} with the first key derivation whose decrypted first block passes
   * {@code plausible}. The caller owns and closes the result (which closes {@code ciphertext}).
   *
   * @throws CiphertextException if the header is missing or the data is too short
   * @throws WrongPasswordException if no derivation gives plausible plaintext
   * @throws IOException if {@code ciphertext} cannot be read
   */
  public static Decrypted open(
      InputStream ciphertext, EncCipher cipher, Password password, Predicate<byte[]> plausible)
      throws IOException, WrongPasswordException {
    byte[] salt = readSalt(ciphertext);
    byte[] probe = ciphertext.readNBytes(PROBE_BYTES);
    if (probe.length == 0 || (cipher.mode().padded() && probe.length < PROBE_BYTES)) {
      throw new CiphertextException(
          "encrypted data ends after "
              + (HEADER_BYTES + probe.length)
              + " bytes, inside its first block: the file is truncated");
    }
    byte[] secret = password.bytes();
    try {
      for (KeyDerivation derivation : KeyDerivation.values()) {
        byte[] keyAndIv = derivation.derive(secret, salt, cipher.keyAndIvBytes());
        if (plausible.test(decryptProbe(cipher, keyAndIv, probe))) {
          InputStream rest = new SequenceInputStream(new ByteArrayInputStream(probe), ciphertext);
          return new Decrypted(derivation, decrypting(rest, cipher, keyAndIv));
        }
      }
    } finally {
      Arrays.fill(secret, (byte) 0);
    }
    throw new WrongPasswordException(
        "wrong password: no key derivation (EVP_BytesToKey with SHA-256 or MD5, PBKDF2) decrypts"
            + " the start of the "
            + cipher.name()
            + " data to the expected content");
  }

  /**
   * Checks the {@code Salted__} header only, for when there is no password to go further.
   *
   * @throws CiphertextException if the stream does not start with a complete header
   */
  public static void requireHeader(InputStream ciphertext) throws IOException {
    readSalt(ciphertext);
  }

  private static byte[] readSalt(InputStream in) throws IOException {
    byte[] header = in.readNBytes(HEADER_BYTES);
    if (header.length == 0) {
      throw new CiphertextException("empty file (0 bytes)");
    }
    int magicSeen = Math.min(header.length, MAGIC.length);
    if (!Arrays.equals(header, 0, magicSeen, MAGIC, 0, magicSeen) || magicSeen < MAGIC.length) {
      throw new CiphertextException(
          "encrypted apkovl does not start with \"Salted__\" (not openssl enc -salt output)");
    }
    if (header.length < HEADER_BYTES) {
      throw new CiphertextException(
          "encrypted data ends after " + header.length + " bytes, inside its 16-byte header");
    }
    return Arrays.copyOfRange(header, MAGIC.length, HEADER_BYTES);
  }

  private static byte[] decryptProbe(EncCipher cipher, byte[] keyAndIv, byte[] probe) {
    byte[] plain = new byte[probe.length];
    if (cipher.mode().padded()) {
      BlockCipher cbc = CBCBlockCipher.newInstance(AESEngine.newInstance());
      cbc.init(false, parameters(cipher, keyAndIv));
      cbc.processBlock(probe, 0, plain, 0);
    } else {
      streamCipher(cipher, keyAndIv).processBytes(probe, 0, probe.length, plain, 0);
    }
    return plain;
  }

  private static InputStream decrypting(InputStream in, EncCipher cipher, byte[] keyAndIv) {
    InputStream decrypted;
    if (cipher.mode().padded()) {
      PaddedBufferedBlockCipher cbc =
          new PaddedBufferedBlockCipher(
              CBCBlockCipher.newInstance(AESEngine.newInstance()), new PKCS7Padding());
      cbc.init(false, parameters(cipher, keyAndIv));
      decrypted = new CipherInputStream(in, cbc);
    } else {
      decrypted = new CipherInputStream(in, streamCipher(cipher, keyAndIv));
    }
    return new DamageReporting(decrypted);
  }

  private static StreamCipher streamCipher(EncCipher cipher, byte[] keyAndIv) {
    StreamCipher stream =
        switch (cipher.mode()) {
          case CFB -> CFBBlockCipher.newInstance(AESEngine.newInstance(), FULL_BLOCK_BITS);
          case CFB8 -> CFBBlockCipher.newInstance(AESEngine.newInstance(), CFB8_BITS);
          case OFB -> new OFBBlockCipher(AESEngine.newInstance(), FULL_BLOCK_BITS);
          case CTR -> SICBlockCipher.newInstance(AESEngine.newInstance());
          case CBC -> throw new IllegalArgumentException("CBC is a padded block mode");
        };
    stream.init(false, parameters(cipher, keyAndIv));
    return stream;
  }

  private static ParametersWithIV parameters(EncCipher cipher, byte[] keyAndIv) {
    return new ParametersWithIV(
        new KeyParameter(keyAndIv, 0, cipher.keyBytes()),
        keyAndIv,
        cipher.keyBytes(),
        EncCipher.BLOCK_BYTES);
  }

  /**
   * Turns BouncyCastle's complaints at the end of the data (bad padding, an incomplete last block)
   * into a {@link CiphertextException}; errors of the underlying stream pass unchanged.
   */
  private static final class DamageReporting extends FilterInputStream {
    DamageReporting(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      try {
        return super.read();
      } catch (InvalidCipherTextIOException | RuntimeException e) {
        throw damaged(e);
      } catch (IOException e) {
        throw finalising(e) ? damaged(e) : e;
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return super.read(b, off, len);
      } catch (InvalidCipherTextIOException | RuntimeException e) {
        throw damaged(e);
      } catch (IOException e) {
        throw finalising(e) ? damaged(e) : e;
      }
    }

    @Override
    public long skip(long n) throws IOException {
      // CipherInputStream's skip only skips what it has buffered; reading keeps offsets honest.
      return SkipByReading.skip(this, n, 8192);
    }

    /**
     * A reader that stops early (one that only needs the first members) closes before the end:
     * BouncyCastle then finalises the cipher on a partial block and complains, which says nothing
     * about the data. Errors of closing the underlying stream still surface.
     */
    @Override
    public void close() throws IOException {
      try {
        super.close();
      } catch (InvalidCipherTextIOException e) {
        // the end of the data was not read, so its padding is of no concern
      } catch (IOException e) {
        if (!finalising(e)) {
          throw e;
        }
      }
    }

    /** BouncyCastle wraps what doFinal throws into a plain IOException with this message. */
    private static boolean finalising(IOException e) {
      return String.valueOf(e.getMessage()).startsWith("Error finalising cipher");
    }

    private static CiphertextException damaged(Exception e) {
      String reason =
          e.getCause() != null ? String.valueOf(e.getCause().getMessage()) : e.getMessage();
      return new CiphertextException(
          "encrypted data damaged at its end ("
              + reason
              + "): truncated or corrupt ciphertext, the right password decrypted its start");
    }
  }
}
