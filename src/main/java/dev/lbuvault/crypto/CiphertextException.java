package dev.lbuvault.crypto;

import java.io.IOException;

/**
 * Encrypted data that cannot be what {@code openssl enc} wrote: no {@code Salted__} header, cut
 * short, or (with a key that decrypted its start correctly) bad CBC padding at the end. It is an
 * IOException so it can travel through the decompressor reading the decrypted stream.
 */
public final class CiphertextException extends IOException {
  private static final long serialVersionUID = 1L;

  public CiphertextException(String message) {
    super(message);
  }
}
