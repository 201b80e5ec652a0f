package dev.lbuvault.crypto;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * An encrypted stream opened with the right key: the key derivation that produced it, and the
 * plaintext, decrypted as it is read. Damage found while reading on is a {@link
 * CiphertextException}; closing closes the encrypted stream.
 *
 * @param derivation how the key was derived from the password
 * @param plaintext the decrypted bytes, from the first
 */
public record Decrypted(KeyDerivation derivation, InputStream plaintext) implements Closeable {
  public Decrypted {
    Objects.requireNonNull(derivation, "derivation");
    Objects.requireNonNull(plaintext, "plaintext");
  }

  @Override
  public void close() throws IOException {
    plaintext.close();
  }
}
