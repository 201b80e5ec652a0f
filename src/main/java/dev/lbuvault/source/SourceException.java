package dev.lbuvault.source;

/** The card cannot be read as a source: missing, unmounted, unreadable, or without an apkovl. */
public class SourceException extends Exception {
  private static final long serialVersionUID = 1L;

  public SourceException(String message) {
    super(message);
  }

  public SourceException(String message, Throwable cause) {
    super(message, cause);
  }
}
