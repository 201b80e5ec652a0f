package dev.lbuvault.crypto;

/**
 * No key derivation of the password decrypts the start of the file to plausible plaintext: the
 * password is wrong (or what was encrypted is not what the caller expects). Never names the
 * password.
 */
public final class WrongPasswordException extends Exception {
  private static final long serialVersionUID = 1L;

  public WrongPasswordException(String message) {
    super(message);
  }
}
