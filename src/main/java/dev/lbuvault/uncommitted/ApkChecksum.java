package dev.lbuvault.uncommitted;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A file's checksum in apk's installed database ({@code Z:} line), as apk-tools 2.14's {@code
 * apk_blob_pull_csum} reads it: {@code Q1} + base64 SHA-1 (what apk writes), {@code X1} + hex
 * SHA-1, or 32 hex digits of MD5 (very old databases). Anything else is {@link Type#NONE}: apk then
 * does not compare the content.
 *
 * @param type the digest
 * @param digest its bytes (empty for NONE)
 */
record ApkChecksum(Type type, byte[] digest) {
  /** The digests apk 2 stores. */
  enum Type {
    NONE(""),
    MD5("MD5"),
    SHA1("SHA-1");

    private final String algorithm;

    Type(String algorithm) {
      this.algorithm = algorithm;
    }

    MessageDigest newDigest() {
      try {
        return MessageDigest.getInstance(algorithm);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(algorithm + " is required of every JVM", e);
      }
    }
  }

  static final ApkChecksum NONE = new ApkChecksum(Type.NONE, new byte[0]);

  private static final int MD5_HEX_CHARS = 32;
  private static final int SHA1_BYTES = 20;

  ApkChecksum {
    Objects.requireNonNull(type, "type");
    digest = digest.clone();
  }

  /** Parses a {@code Z:} value; NONE when apk would not understand it either. */
  static ApkChecksum parse(String text) {
    try {
      if (text.startsWith("Q1")) {
        return sha1(Base64.getDecoder().decode(text.substring(2)));
      } else if (text.startsWith("X1")) {
        return sha1(HexFormat.of().parseHex(text.substring(2)));
      } else if (text.length() == MD5_HEX_CHARS) {
        return new ApkChecksum(Type.MD5, HexFormat.of().parseHex(text));
      }
    } catch (IllegalArgumentException e) {
      return NONE;
    }
    return NONE;
  }

  private static ApkChecksum sha1(byte[] bytes) {
    return bytes.length == SHA1_BYTES ? new ApkChecksum(Type.SHA1, bytes) : NONE;
  }

  @Override
  public byte[] digest() {
    return digest.clone();
  }

  boolean matches(byte[] other) {
    return MessageDigest.isEqual(digest, other);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ApkChecksum c && c.type == type && Arrays.equals(c.digest, digest);
  }

  @Override
  public int hashCode() {
    return type.hashCode() * 31 + Arrays.hashCode(digest);
  }

  @Override
  public String toString() {
    return type + ":" + HexFormat.of().formatHex(digest);
  }
}
