package dev.lbuvault.repo;

import java.util.Objects;

/**
 * What a version records about the card's apkovl: its name, size, SHA-256, number of tar entries
 * (-1 when it is encrypted and could not be read) and cipher (null for plaintext).
 */
public record ApkovlRecord(
    String name, long sizeBytes, String sha256, long entries, String cipher) {
  public ApkovlRecord {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(sha256, "sha256");
    if (sizeBytes < 0) {
      throw new IllegalArgumentException("apkovl size must be >= 0, got " + sizeBytes);
    }
  }

  public boolean encrypted() {
    return cipher != null;
  }
}
