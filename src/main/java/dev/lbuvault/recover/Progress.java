package dev.lbuvault.recover;

/**
 * Receives progress of the long phases (writing, verifying) so the CLI can show percent, MB/s and
 * ETA on a terminal. Implementations must be cheap: they are called for every large write.
 */
public interface Progress {
  void start(String phase, long totalBytes);

  void update(long doneBytes);

  void finish();

  /** Progress that shows nothing. */
  static Progress none() {
    return new Progress() {
      @Override
      public void start(String phase, long totalBytes) {}

      @Override
      public void update(long doneBytes) {}

      @Override
      public void finish() {}
    };
  }
}
