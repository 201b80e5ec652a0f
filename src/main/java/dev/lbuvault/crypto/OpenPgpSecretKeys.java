package dev.lbuvault.crypto;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Optional;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPSecretKey;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.bouncycastle.openpgp.PGPSecretKeyRingCollection;
import org.bouncycastle.openpgp.operator.PBESecretKeyDecryptor;
import org.bouncycastle.openpgp.operator.bc.BcPBESecretKeyDecryptorBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPGPDigestCalculatorProvider;

/**
 * The secret keys of a file that {@code gpg --export-secret-keys} wrote, with the passphrase that
 * unlocks them (none for a key made with an empty passphrase). Used to decrypt imports and to sign
 * exports. A key is unlocked only when it is needed, and a wrong passphrase is reported naming the
 * file, never the passphrase.
 */
public final class OpenPgpSecretKeys {
  private final Path file;
  private final PGPSecretKeyRingCollection rings;
  private final Optional<Password> passphrase;

  private OpenPgpSecretKeys(
      Path file, PGPSecretKeyRingCollection rings, Optional<Password> passphrase) {
    this.file = file;
    this.rings = rings;
    this.passphrase = passphrase;
  }

  /**
   * Reads {@code file}; {@code passphrase} is empty for unprotected keys.
   *
   * @throws OpenPgpKeyException if the file is unreadable or holds no secret key
   */
  public static OpenPgpSecretKeys read(Path file, Optional<Password> passphrase)
      throws OpenPgpKeyException {
    PGPSecretKeyRingCollection rings = OpenPgpKeyFiles.secretKeys(file);
    if (rings.size() == 0) {
      throw new OpenPgpKeyException("secret key file " + file + " holds no secret key");
    }
    return new OpenPgpSecretKeys(file, rings, passphrase);
  }

  Path file() {
    return file;
  }

  /** The secret key with {@code keyId}, if this file holds it. */
  Optional<PGPSecretKey> secretKey(long keyId) {
    return Optional.ofNullable(rings.getSecretKey(keyId));
  }

  /** The public half of the key with {@code keyId}, to check a signature it made. */
  Optional<PGPPublicKey> publicKey(long keyId) {
    return secretKey(keyId).map(PGPSecretKey::getPublicKey);
  }

  /** The first key that can sign: the primary key of gpg's keys. */
  PGPSecretKey signingKey() throws OpenPgpKeyException {
    for (PGPSecretKeyRing ring : rings) {
      Iterator<PGPSecretKey> keys = ring.getSecretKeys();
      while (keys.hasNext()) {
        PGPSecretKey k = keys.next();
        if (k.isSigningKey()
            && !k.isPrivateKeyEmpty()
            && OpenPgpKeyKinds.canSignWith(k.getPublicKey())) {
          return k;
        }
      }
    }
    throw new OpenPgpKeyException(
        "secret key file "
            + file
            + " holds no key that can sign ("
            + OpenPgpKeyKinds.SUPPORTED
            + ")");
  }

  /**
   * Unlocks {@code key}.
   *
   * @throws OpenPgpKeyException if the passphrase is missing or wrong
   */
  PGPPrivateKey unlock(PGPSecretKey key) throws OpenPgpKeyException {
    PGPPublicKey pub = key.getPublicKey();
    if (!OpenPgpKeyKinds.canEncryptTo(pub) && !OpenPgpKeyKinds.canSignWith(pub)) {
      throw new OpenPgpKeyException(
          "key "
              + keyName(key)
              + " of secret key file "
              + file
              + " is not "
              + OpenPgpKeyKinds.SUPPORTED);
    }
    char[] chars = passphraseChars();
    try {
      PBESecretKeyDecryptor decryptor =
          new BcPBESecretKeyDecryptorBuilder(new BcPGPDigestCalculatorProvider()).build(chars);
      PGPPrivateKey privateKey = key.extractPrivateKey(decryptor);
      if (privateKey == null) {
        throw new OpenPgpKeyException(
            "secret key file " + file + " holds only a stub of key " + keyName(key));
      }
      return privateKey;
    } catch (PGPException | RuntimeException e) {
      throw new OpenPgpKeyException(
          "cannot unlock key "
              + keyName(key)
              + " of secret key file "
              + file
              + ": "
              + (passphrase.isPresent()
                  ? "wrong passphrase in --password-file"
                  : "it is passphrase-protected; give the passphrase with --password-file"));
    } finally {
      Arrays.fill(chars, '\0');
    }
  }

  private char[] passphraseChars() {
    if (passphrase.isEmpty()) {
      return new char[0];
    }
    byte[] bytes = passphrase.get().bytes();
    try {
      // gpg hashes the passphrase's UTF-8 bytes, and BouncyCastle encodes the chars as UTF-8.
      CharBuffer decoded = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(bytes));
      char[] chars = new char[decoded.remaining()];
      decoded.get(chars);
      Arrays.fill(decoded.array(), '\0');
      return chars;
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  static String keyName(PGPSecretKey key) {
    return OpenPgpKeyFiles.hex(key.getPublicKey().getFingerprint());
  }
}
