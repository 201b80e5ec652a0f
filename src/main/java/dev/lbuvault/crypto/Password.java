package dev.lbuvault.crypto;

import java.util.Arrays;

/**
 * The bytes of an apkovl password, as {@code openssl enc -pass} uses them. It has no accessor
 * outside this package and its {@code toString} says nothing, so a password cannot reach a log
 * line, a message or a JSON document by accident.
 */
public final class Password {
  private final byte[] bytes;

  Password(byte[] bytes) {
    this.bytes = bytes.clone();
  }

  byte[] bytes() {
    return bytes.clone();
  }

  /** Whether the password has no bytes, which openssl would not accept as a password. */
  public boolean isEmpty() {
    return bytes.length == 0;
  }

  @Override
  public String toString() {
    return "Password[redacted]";
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Password p && Arrays.equals(bytes, p.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }
}
