package dev.lbuvault.daemon;

import java.time.Duration;

/**
 * How the daemon's tasks ask for more work without knowing Quartz's API: every request becomes a
 * Quartz trigger, so requested runs never overlap scheduled ones
 * ({@code @DisallowConcurrentExecution}).
 */
interface Scheduling {
  /** Runs a backup as soon as no other backup runs. */
  void backupNow(String reason);

  /** Runs a backup after {@code delay}. */
  void backupLater(String reason, Duration delay);

  /** Runs a verify as soon as no other verify runs. */
  void verifyNow(String reason);
}
