package dev.lbuvault.recover;

/**
 * What was read back from the target differs from what was written. The partition table was not
 * written, so the half-made card cannot boot or be mistaken for a good one.
 */
public final class VerificationFailedException extends Exception {
  private static final long serialVersionUID = 1L;
  private final long offset;

  public VerificationFailedException(String message, long offset) {
    super(message);
    this.offset = offset;
  }

  /** Byte offset on the target where the first differing extent starts. */
  public long offset() {
    return offset;
  }
}
