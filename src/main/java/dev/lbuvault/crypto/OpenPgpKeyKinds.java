package dev.lbuvault.crypto;

import org.bouncycastle.bcpg.BCPGKey;
import org.bouncycastle.bcpg.ECPublicBCPGKey;
import org.bouncycastle.bcpg.PublicKeyAlgorithmTags;
import org.bouncycastle.openpgp.PGPPublicKey;

/**
 * The key kinds export and import accept: RSA, and the ed25519 / cv25519 pair that gpg 2.2 makes
 * with {@code future-default} (ECDH and EdDSA on the legacy curve OIDs). Only these are tested
 * against real gpg, and the shipped jar carries only the BouncyCastle classes they need (pom.xml's
 * shade filter), so another kind is refused up front with a clear message rather than failing later
 * with a missing class.
 */
final class OpenPgpKeyKinds {
  /** gpg's Curve25519 for ECDH (cv25519). */
  static final String CV25519_OID = "1.3.6.1.4.1.3029.1.5.1";

  /** gpg's Ed25519 for EdDSA (legacy form). */
  static final String ED25519_OID = "1.3.6.1.4.1.11591.15.1";

  static final String SUPPORTED =
      "RSA, or gpg's ed25519/cv25519 (gpg --quick-gen-key with default or future-default)";

  /** RFC 4880's deprecated encrypt-only and sign-only RSA ids, which old keys still carry. */
  private static final int RSA_ENCRYPT_ONLY = 2;

  private static final int RSA_SIGN_ONLY = 3;

  private OpenPgpKeyKinds() {}

  static boolean canEncryptTo(PGPPublicKey key) {
    return switch (key.getAlgorithm()) {
      case PublicKeyAlgorithmTags.RSA_GENERAL, RSA_ENCRYPT_ONLY -> true;
      case PublicKeyAlgorithmTags.ECDH -> onCurve(key, CV25519_OID);
      default -> false;
    };
  }

  static boolean canSignWith(PGPPublicKey key) {
    return switch (key.getAlgorithm()) {
      case PublicKeyAlgorithmTags.RSA_GENERAL, RSA_SIGN_ONLY -> true;
      case PublicKeyAlgorithmTags.EDDSA_LEGACY -> onCurve(key, ED25519_OID);
      default -> false;
    };
  }

  private static boolean onCurve(PGPPublicKey key, String oid) {
    BCPGKey material = key.getPublicKeyPacket().getKey();
    return material instanceof ECPublicBCPGKey ec && oid.equals(ec.getCurveOID().getId());
  }
}
