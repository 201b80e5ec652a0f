package dev.lbuvault.crypto;

import java.nio.file.Path;
import java.util.Optional;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRingCollection;

/**
 * The public key whose signatures an import accepts ({@code --signer}), from a file that {@code gpg
 * --export} wrote, armored or binary.
 */
public final class OpenPgpSigner {
  private final PGPPublicKeyRingCollection rings;

  private OpenPgpSigner(PGPPublicKeyRingCollection rings) {
    this.rings = rings;
  }

  /**
   * Reads {@code file}.
   *
   * @throws OpenPgpKeyException if it is unreadable or not a public key
   */
  public static OpenPgpSigner read(Path file) throws OpenPgpKeyException {
    PGPPublicKeyRingCollection rings = OpenPgpKeyFiles.publicKeys(file);
    if (rings.size() == 0) {
      throw new OpenPgpKeyException("public key file " + file + " holds no key");
    }
    return new OpenPgpSigner(rings);
  }

  Optional<PGPPublicKey> publicKey(long keyId) {
    return Optional.ofNullable(rings.getPublicKey(keyId));
  }
}
