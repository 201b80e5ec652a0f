package dev.lbuvault.recover;

import dev.lbuvault.fs.Sha256;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * Hashes and counts every byte as it is read, so the bytes that go to the card are the bytes that
 * are checked against {@code SHA256SUMS}, with no second read that could see something else.
 */
final class HashingInputStream extends FilterInputStream {
  private final MessageDigest digest = Sha256.newDigest();
  private long count;

  HashingInputStream(InputStream in) {
    super(in);
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    if (b >= 0) {
      digest.update((byte) b);
      count++;
    }
    return b;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    int n = super.read(buffer, offset, length);
    if (n > 0) {
      digest.update(buffer, offset, n);
      count += n;
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    // Skipped bytes would escape the hash.
    throw new IOException("skip is not supported on a hashed stream");
  }

  /** Bytes read so far. */
  long count() {
    return count;
  }

  /** The SHA-256 of what was read; call once, at the end. */
  String sha256() {
    return Sha256.hex(digest);
  }
}
