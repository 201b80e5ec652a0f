package dev.lbuvault.crypto;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.PKCS5S2ParametersGenerator;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * How {@code openssl enc} turns a password and salt into key and IV. lbu passes neither {@code -md}
 * nor {@code -pbkdf2}, so its files use EVP_BytesToKey with one iteration and the default digest of
 * the OpenSSL that wrote them: SHA-256 since OpenSSL 1.1.0, MD5 before. PBKDF2 is tried last in
 * case lbu adopts {@code -pbkdf2} (openssl's default of 10000 iterations of HMAC-SHA256).
 */
public enum KeyDerivation {
  EVP_SHA256("sha256"),
  EVP_MD5("md5"),
  PBKDF2_SHA256("pbkdf2-sha256");

  /** openssl enc's default {@code -iter} with {@code -pbkdf2}. */
  static final int PBKDF2_ITERATIONS = 10_000;

  private final String label;

  KeyDerivation(String label) {
    this.label = label;
  }

  /** The name recorded in version.json and shown to users. */
  public String label() {
    return label;
  }

  /** Key followed by IV, {@code length} bytes in all. */
  byte[] derive(byte[] password, byte[] salt, int length) {
    return switch (this) {
      case EVP_SHA256 -> evpBytesToKey("SHA-256", password, salt, length);
      case EVP_MD5 -> evpBytesToKey("MD5", password, salt, length);
      case PBKDF2_SHA256 -> pbkdf2(password, salt, length);
    };
  }

  /** OpenSSL's EVP_BytesToKey with count 1: D_i = H(D_(i-1) || password || salt). */
  private static byte[] evpBytesToKey(String digestName, byte[] password, byte[] salt, int length) {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance(digestName);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has " + digestName, e);
    }
    byte[] out = new byte[length];
    byte[] previous = new byte[0];
    for (int filled = 0; filled < length; ) {
      digest.update(previous);
      digest.update(password);
      digest.update(salt);
      previous = digest.digest();
      int n = Math.min(previous.length, length - filled);
      System.arraycopy(previous, 0, out, filled, n);
      filled += n;
    }
    return out;
  }

  private static byte[] pbkdf2(byte[] password, byte[] salt, int length) {
    PKCS5S2ParametersGenerator generator = new PKCS5S2ParametersGenerator(new SHA256Digest());
    generator.init(password, salt, PBKDF2_ITERATIONS);
    return ((KeyParameter) generator.generateDerivedParameters(length * 8)).getKey();
  }
}
