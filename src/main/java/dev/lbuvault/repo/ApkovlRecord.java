package dev.lbuvault.repo;

import java.util.Objects;

/**
 * What a version records about the card's apkovl: its name, size, SHA-256, number of tar entries
 * (-1 when it is encrypted and could not be read) and cipher (null for plaintext). For an encrypted
 * apkovl also how its key was derived when the password opened it ({@code keyDerivation}: {@code
 * sha256}, {@code md5} or {@code pbkdf2-sha256}; never the key or the password), or why its content
 * was not verified ({@code notVerified}: {@code wrong password}, {@code no password file}, an
 * unsupported cipher). Both are null for plaintext apkovls and in versions made before lbuvault
 * decrypted apkovls.
 */
public record ApkovlRecord(
    String name,
    long sizeBytes,
    String sha256,
    long entries,
    String cipher,
    String keyDerivation,
    String notVerified) {
  public ApkovlRecord {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(sha256, "sha256");
    if (sizeBytes < 0) {
      throw new IllegalArgumentException("apkovl size must be >= 0, got " + sizeBytes);
    }
  }

  /** A record without decryption facts: a plaintext apkovl, or one from an older version. */
  public ApkovlRecord(String name, long sizeBytes, String sha256, long entries, String cipher) {
    this(name, sizeBytes, sha256, entries, cipher, null, null);
  }

  public boolean encrypted() {
    return cipher != null;
  }

  /** Whether the apkovl is encrypted and was stored without its content being verified. */
  public boolean unverified() {
    return encrypted() && notVerified != null;
  }
}
