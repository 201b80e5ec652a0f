package dev.lbuvault.uncommitted;

/**
 * The newest version cannot be compared with the host: it has no version at all, or its apkovl is
 * encrypted. The message names the host or file and what to do.
 */
public final class CannotCompareException extends Exception {
  private static final long serialVersionUID = 1L;

  public CannotCompareException(String message) {
    super(message);
  }
}
