package dev.lbuvault.image;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One contiguous run of bytes {@link FatWriter} sent to its sink: the absolute offset, the length
 * and the SHA-256 of exactly those bytes. A caller reads each extent back from the device after a
 * flush and compares hashes, which verifies a card without a second pass over the source.
 */
public record WrittenExtent(long offset, long length, String sha256) {
  private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

  public WrittenExtent {
    Objects.requireNonNull(sha256, "sha256");
    if (offset < 0 || length <= 0) {
      throw new IllegalArgumentException("bad extent: offset " + offset + ", length " + length);
    }
    if (!HEX.matcher(sha256).matches()) {
      throw new IllegalArgumentException("invalid SHA-256 \"" + sha256 + "\"");
    }
  }
}
