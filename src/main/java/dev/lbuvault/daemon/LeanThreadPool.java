package dev.lbuvault.daemon;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.quartz.spi.ThreadPool;

/**
 * Quartz's thread pool SPI over a plain fixed executor. Quartz's own SimpleThreadPool wakes every
 * idle worker twice a second ({@code wait(500)}), which on a Pi that is idle 23 hours a day is pure
 * waste; here idle workers block without a timeout and cost nothing. Configured by
 * StdSchedulerFactory through {@code org.quartz.threadPool.threadCount}.
 */
public final class LeanThreadPool implements ThreadPool {
  private static final AtomicInteger POOLS = new AtomicInteger();

  private final Object lock = new Object();
  private volatile int threadCount = 2;
  private int busy;
  private boolean shutdown;
  private ExecutorService executor;
  private String name = "lbuvault";

  /** Called by StdSchedulerFactory for {@code org.quartz.threadPool.threadCount}. */
  public void setThreadCount(int threadCount) {
    if (threadCount < 1) {
      throw new IllegalArgumentException("threadCount must be >= 1, got " + threadCount);
    }
    this.threadCount = threadCount;
  }

  @Override
  public void initialize() {
    int pool = POOLS.incrementAndGet();
    AtomicInteger n = new AtomicInteger();
    executor =
        Executors.newFixedThreadPool(
            threadCount,
            r -> {
              Thread t = new Thread(r, name + "-job-" + pool + "-" + n.incrementAndGet());
              // A job that ignores interruption must never keep the JVM from exiting.
              t.setDaemon(true);
              return t;
            });
  }

  @Override
  public boolean runInThread(Runnable runnable) {
    synchronized (lock) {
      while (busy >= threadCount && !shutdown) {
        try {
          lock.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      if (shutdown) {
        return false;
      }
      busy++;
    }
    executor.execute(
        () -> {
          try {
            runnable.run();
          } finally {
            synchronized (lock) {
              busy--;
              lock.notifyAll();
            }
          }
        });
    return true;
  }

  @Override
  public int blockForAvailableThreads() {
    synchronized (lock) {
      while (busy >= threadCount && !shutdown) {
        try {
          lock.wait();
        } catch (InterruptedException e) {
          // Quartz interrupts its scheduler thread to halt it; it re-checks its halted flag.
          Thread.currentThread().interrupt();
          return 0;
        }
      }
      return shutdown ? 0 : threadCount - busy;
    }
  }

  @Override
  public void shutdown(boolean waitForJobsToComplete) {
    synchronized (lock) {
      shutdown = true;
      lock.notifyAll();
    }
    if (executor == null) {
      return;
    }
    executor.shutdown();
    if (waitForJobsToComplete) {
      try {
        // Bounded: the daemon has already waited for (or interrupted) its jobs.
        executor.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    executor.shutdownNow();
  }

  @Override
  public int getPoolSize() {
    return threadCount;
  }

  @Override
  public void setInstanceId(String schedInstId) {
    // one instance per JVM scheduler; nothing to record
  }

  @Override
  public void setInstanceName(String schedName) {
    this.name = schedName;
  }
}
