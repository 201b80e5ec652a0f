package dev.lbuvault.testing;

import java.time.Duration;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Assertions;

/** Bounded waiting for something a background process or thread will do. */
public final class Waits {
  private Waits() {}

  /** Polls {@code condition} every 100 ms until it is true; fails after {@code timeout}. */
  public static void until(Duration timeout, String what, Callable<Boolean> condition)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (Boolean.TRUE.equals(condition.call())) {
        return;
      }
      if (System.nanoTime() > deadline) {
        Assertions.fail("timed out after " + timeout + " waiting for " + what);
      }
      Thread.sleep(100);
    }
  }
}
