package dev.lbuvault.retention;

import java.time.Duration;

/**
 * The {@code --keep-*} options of {@code lbuvault prune}, with restic's meaning: each count keeps
 * the most recent version of that many periods that have versions, and {@code keepWithin} keeps
 * every version taken less than that long before the newest one. Counts of zero switch a rule off,
 * and a policy with every rule off removes nothing, so a forgotten option can never empty a
 * repository.
 *
 * @param keepLast how many of the newest versions to keep
 * @param keepDaily how many days (the most recent ones with versions) to keep one version of
 * @param keepWeekly how many ISO weeks to keep one version of
 * @param keepMonthly how many months to keep one version of
 * @param keepYearly how many years to keep one version of
 * @param keepWithin keep everything this close to the newest version; {@code null} means zero
 */
public record RetentionPolicy(
    int keepLast,
    int keepDaily,
    int keepWeekly,
    int keepMonthly,
    int keepYearly,
    Duration keepWithin) {

  /** Names the offending option in the message, because it goes straight to the CLI user. */
  public RetentionPolicy {
    requireNotNegative("--keep-last", keepLast);
    requireNotNegative("--keep-daily", keepDaily);
    requireNotNegative("--keep-weekly", keepWeekly);
    requireNotNegative("--keep-monthly", keepMonthly);
    requireNotNegative("--keep-yearly", keepYearly);
    if (keepWithin == null) {
      keepWithin = Duration.ZERO;
    }
    if (keepWithin.isNegative()) {
      throw new IllegalArgumentException(
          "--keep-within must not be negative, got " + DurationParser.format(keepWithin));
    }
  }

  /** A policy with every rule off; planning with it keeps every version. */
  public static RetentionPolicy none() {
    return new RetentionPolicy(0, 0, 0, 0, 0, Duration.ZERO);
  }

  /** True when no rule is on, which the planner treats as "remove nothing", not "remove all". */
  public boolean isEmpty() {
    return keepLast == 0
        && keepDaily == 0
        && keepWeekly == 0
        && keepMonthly == 0
        && keepYearly == 0
        && keepWithin.isZero();
  }

  private static void requireNotNegative(String option, int value) {
    if (value < 0) {
      throw new IllegalArgumentException(option + " must be >= 0, got " + value);
    }
  }
}
