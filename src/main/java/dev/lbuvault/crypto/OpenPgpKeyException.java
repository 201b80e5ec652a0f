package dev.lbuvault.crypto;

/**
 * An OpenPGP key file that cannot be used: missing, not OpenPGP, without a key of the needed kind,
 * or locked by a passphrase that was not given or is wrong. The message is one line naming the file
 * and what to do, and never contains key material or a passphrase.
 */
public final class OpenPgpKeyException extends Exception {
  private static final long serialVersionUID = 1L;

  public OpenPgpKeyException(String message) {
    super(message);
  }
}
