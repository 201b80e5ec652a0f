package dev.lbuvault.recover;

import java.time.Duration;

/**
 * The summary of a finished recovery: bytes written and read back, the time each phase took, and
 * whether the read-back bypassed the page cache.
 */
public record RecoveryResult(
    long bytesWritten, Duration buildTime, Duration verifyTime, boolean directReadBack) {
  public Duration total() {
    return buildTime.plus(verifyTime);
  }
}
