package dev.lbuvault.crypto;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPPublicKeyRingCollection;
import org.bouncycastle.openpgp.PGPSecretKeyRingCollection;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.operator.bc.BcKeyFingerprintCalculator;
import org.bouncycastle.util.encoders.Hex;

/**
 * Reads OpenPGP key files as {@code gpg --export} and {@code gpg --export-secret-keys} write them,
 * armored or binary. A key file is small, so it is read whole, but never more than {@link
 * #MAX_BYTES}.
 */
final class OpenPgpKeyFiles {
  /** Far above any real key ring (an RSA-4096 secret key with subkeys is under 10 KiB). */
  static final int MAX_BYTES = 1 << 20;

  private OpenPgpKeyFiles() {}

  static PGPPublicKeyRingCollection publicKeys(Path file) throws OpenPgpKeyException {
    byte[] bytes = read(file, "public key");
    try (InputStream in = PGPUtil.getDecoderStream(new ByteArrayInputStream(bytes))) {
      return new PGPPublicKeyRingCollection(in, new BcKeyFingerprintCalculator());
    } catch (IOException | PGPException | RuntimeException e) {
      throw new OpenPgpKeyException(
          "public key file "
              + file
              + " is not an OpenPGP public key ("
              + e.getClass().getSimpleName()
              + "); export one with: gpg --export KEYID > "
              + file);
    }
  }

  static PGPSecretKeyRingCollection secretKeys(Path file) throws OpenPgpKeyException {
    byte[] bytes = read(file, "secret key");
    try (InputStream in = PGPUtil.getDecoderStream(new ByteArrayInputStream(bytes))) {
      return new PGPSecretKeyRingCollection(in, new BcKeyFingerprintCalculator());
    } catch (IOException | PGPException | RuntimeException e) {
      throw new OpenPgpKeyException(
          "secret key file "
              + file
              + " is not an OpenPGP secret key ("
              + e.getClass().getSimpleName()
              + "); export one with: gpg --export-secret-keys KEYID > "
              + file);
    }
  }

  static String hex(byte[] fingerprint) {
    return Hex.toHexString(fingerprint).toUpperCase(Locale.ROOT);
  }

  private static byte[] read(Path file, String what) throws OpenPgpKeyException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] bytes = in.readNBytes(MAX_BYTES + 1);
      if (bytes.length > MAX_BYTES) {
        throw new OpenPgpKeyException(
            what + " file " + file + " is larger than " + MAX_BYTES + " bytes: not a key file");
      }
      if (bytes.length == 0) {
        throw new OpenPgpKeyException(what + " file " + file + " is empty");
      }
      return bytes;
    } catch (NoSuchFileException e) {
      throw new OpenPgpKeyException(what + " file " + file + " does not exist");
    } catch (IOException e) {
      throw new OpenPgpKeyException(
          what + " file " + file + " cannot be read (" + e.getClass().getSimpleName() + ")");
    }
  }
}
