package dev.lbuvault.crypto;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Date;
import java.util.Iterator;
import java.util.List;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPPublicKeyRingCollection;

/**
 * The public key exports are encrypted to: the encryption subkey of the first key in a file that
 * {@code gpg --export} wrote (RSA, or the cv25519 ECDH subkey of an ed25519 key), else a primary
 * key that can encrypt. Revoked and expired keys are skipped.
 */
public final class OpenPgpRecipient {
  private final PGPPublicKey key;

  private OpenPgpRecipient(PGPPublicKey key) {
    this.key = key;
  }

  /**
   * The encryption key in {@code file}.
   *
   * @throws OpenPgpKeyException if the file is unreadable, not a public key, or holds no usable
   *     encryption key
   */
  public static OpenPgpRecipient read(Path file, Date now) throws OpenPgpKeyException {
    PGPPublicKeyRingCollection rings = OpenPgpKeyFiles.publicKeys(file);
    List<PGPPublicKey> candidates = new ArrayList<>();
    for (PGPPublicKeyRing ring : rings) {
      Iterator<PGPPublicKey> keys = ring.getPublicKeys();
      PGPPublicKey primary = keys.next();
      keys.forEachRemaining(candidates::add);
      candidates.add(primary); // subkeys first: gpg's keys encrypt with their subkey
    }
    for (PGPPublicKey k : candidates) {
      if (OpenPgpKeyKinds.canEncryptTo(k) && !k.hasRevocation() && !expired(k, now)) {
        return new OpenPgpRecipient(k);
      }
    }
    throw new OpenPgpKeyException(
        "public key file "
            + file
            + " holds no usable encryption key ("
            + OpenPgpKeyKinds.SUPPORTED
            + "; not revoked or expired); export the recipient's key with: gpg --export KEYID > "
            + file);
  }

  private static boolean expired(PGPPublicKey k, Date now) {
    long valid = k.getValidSeconds();
    return valid > 0 && k.getCreationTime().getTime() + valid * 1000 < now.getTime();
  }

  PGPPublicKey key() {
    return key;
  }

  /** The encryption key's fingerprint in hex, as {@code gpg --with-subkey-fingerprints} shows. */
  public String fingerprint() {
    return OpenPgpKeyFiles.hex(key.getFingerprint());
  }
}
