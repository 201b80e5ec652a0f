package dev.lbuvault.fs;

import java.io.IOException;
import java.io.InputStream;

/**
 * Skipping by reading, for stream wrappers whose underlying {@code skip} would pass bytes by
 * without the check the wrapper exists for (a gzip CRC, a cipher's chaining state), or would skip
 * only what happens to be buffered.
 */
public final class SkipByReading {
  private SkipByReading() {}

  /** Reads and discards up to {@code n} bytes of {@code in}; returns how many, fewer at the end. */
  public static long skip(InputStream in, long n, int bufferBytes) throws IOException {
    if (n <= 0) {
      return 0;
    }
    byte[] scratch = new byte[(int) Math.min(n, bufferBytes)];
    long skipped = 0;
    while (skipped < n) {
      int r = in.read(scratch, 0, (int) Math.min(n - skipped, scratch.length));
      if (r < 0) {
        break;
      }
      skipped += r;
    }
    return skipped;
  }
}
