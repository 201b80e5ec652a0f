package dev.lbuvault.daemon;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one gate every run of the daemon passes: the backups of all sources, verifies and
 * replications. Only one holds it at a time (fair, so runs go in the order they asked), which is
 * what keeps two backups, or a backup and a replication of the same repository, from ever running
 * at once even though Quartz runs different jobs on different threads. It also carries the stop:
 * once stopping, no run enters, and the running one can be interrupted.
 */
final class WorkGate {
  private final ReentrantLock work = new ReentrantLock(true);
  private volatile Thread running;
  private volatile boolean stopping;

  /** Waits for the gate; false (and not entered) when stopping or interrupted. */
  boolean enter() {
    try {
      work.lockInterruptibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    if (stopping) {
      work.unlock();
      return false;
    }
    running = Thread.currentThread();
    return true;
  }

  void leave() {
    running = null;
    work.unlock();
  }

  /** Whether no run holds the gate now. */
  boolean idle() {
    return running == null;
  }

  void beginStop() {
    stopping = true;
  }

  boolean stopping() {
    return stopping;
  }

  /** Waits up to {@code timeout} for the running task (and any queued behind it) to end. */
  boolean awaitIdle(Duration timeout) {
    try {
      if (work.tryLock(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        work.unlock();
        return true;
      }
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Interrupts the running task so that it abandons its work. */
  void interruptRunning() {
    Thread t = running;
    if (t != null) {
      t.interrupt();
    }
  }
}
