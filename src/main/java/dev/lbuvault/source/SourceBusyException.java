package dev.lbuvault.source;

/**
 * The card is being written (an lbu commit is in progress): a {@code *.new} file exists or a file
 * changed while it was read. Nothing was stored; the caller should retry later.
 */
public final class SourceBusyException extends SourceException {
  private static final long serialVersionUID = 1L;

  public SourceBusyException(String detail) {
    super("card busy: lbu commit in progress, retry later (" + detail + ")");
  }
}
