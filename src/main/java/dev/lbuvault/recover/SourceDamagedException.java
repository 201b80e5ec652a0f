package dev.lbuvault.recover;

/**
 * A file the version would put on the card does not match its {@code SHA256SUMS} line (or its
 * size): the repository is damaged. The message names the file and, where one exists, the newest
 * other version holding it intact with the command to recover from it. Maps to exit code 4.
 */
public final class SourceDamagedException extends Exception {
  private static final long serialVersionUID = 1L;

  public SourceDamagedException(String message) {
    super(message);
  }
}
