package dev.lbuvault.replicate;

/**
 * {@code lbuvault receive --restrict-path} was asked for something its key does not allow: another
 * command, a path outside the restricted one, extra or malformed arguments. Nothing was done.
 */
public final class ReceiveRefusedException extends Exception {
  private static final long serialVersionUID = 1L;

  public ReceiveRefusedException(String message) {
    super(message);
  }
}
