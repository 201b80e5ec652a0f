package dev.lbuvault.crypto;

/**
 * A password file that cannot be used: unreadable, empty, or readable by other users. The message
 * is one line naming the file and what to do, and never contains any of the file's content.
 */
public final class PasswordFileException extends Exception {
  private static final long serialVersionUID = 1L;

  public PasswordFileException(String message) {
    super(message);
  }
}
