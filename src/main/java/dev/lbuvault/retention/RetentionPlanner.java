package dev.lbuvault.retention;

import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Applies a {@link RetentionPolicy} to one host's versions the way {@code restic forget} does:
 * walking newest first, each period rule keeps the most recent version of each of the N most recent
 * periods that have versions, the rules are independent (one version may satisfy several and is
 * reported with all of them), and {@code keepWithin} is measured back from the newest version, not
 * from the clock, so a host that stopped backing up does not silently lose its history. Days, weeks
 * and months are taken in the zone given here, because "daily" means the user's days, not UTC's.
 * The planner only decides; deleting is the caller's job, which keeps dry runs and real runs
 * identical by construction.
 */
public final class RetentionPlanner {

  /** Ids sort in time order, so they break ties between equal times the same way every run. */
  private static final Comparator<VersionRef> NEWEST_FIRST =
      Comparator.comparing(VersionRef::time).thenComparing(VersionRef::id).reversed();

  private final ZoneId zone;

  /**
   * @param zone where period boundaries fall; the CLI passes the system default zone
   */
  public RetentionPlanner(ZoneId zone) {
    this.zone = Objects.requireNonNull(zone, "zone");
  }

  /**
   * Returns one decision per version, newest first. Input order does not matter.
   *
   * @throws IllegalArgumentException if two versions share an id, since the caller would then not
   *     know which of them a decision refers to
   */
  public List<RetentionDecision> plan(Collection<VersionRef> versions, RetentionPolicy policy) {
    return plan(versions, policy, Map.of());
  }

  /**
   * As {@link #plan(Collection, RetentionPolicy)}, and also keeps every version whose id is a key
   * of {@code protect}, with that value as its reason when no rule keeps it. Replication uses this
   * for what a target must hold whatever the policy says (its newest version, and the version the
   * next incremental send starts from). An id that is not among {@code versions} is ignored.
   */
  public List<RetentionDecision> plan(
      Collection<VersionRef> versions, RetentionPolicy policy, Map<String, String> protect) {
    Objects.requireNonNull(versions, "versions");
    Objects.requireNonNull(protect, "protect");
    Objects.requireNonNull(policy, "policy");
    List<VersionRef> newestFirst = new ArrayList<>(versions.size());
    Set<String> ids = new HashSet<>();
    for (VersionRef version : versions) {
      Objects.requireNonNull(version, "version");
      if (!ids.add(version.id())) {
        throw new IllegalArgumentException("duplicate version id " + version.id());
      }
      newestFirst.add(version);
    }
    newestFirst.sort(NEWEST_FIRST);

    List<List<String>> reasons = new ArrayList<>(newestFirst.size());
    for (int i = 0; i < newestFirst.size(); i++) {
      reasons.add(new ArrayList<>());
    }
    if (policy.isEmpty()) {
      // An empty policy is far more likely a forgotten option than a wish to delete everything.
      reasons.forEach(r -> r.add("no policy"));
    } else if (!newestFirst.isEmpty()) {
      for (Rule rule : Rule.values()) {
        applyCountRule(rule, rule.count(policy), newestFirst, reasons);
      }
      applyWithin(policy.keepWithin(), newestFirst, reasons);
      // Every rule above already keeps the newest version; this guards the promise against a
      // future rule that might not, because the newest backup is the one a restore needs most.
      if (reasons.get(0).isEmpty()) {
        reasons.get(0).add("newest");
      }
      for (int i = 0; i < newestFirst.size(); i++) {
        String reason = protect.get(newestFirst.get(i).id());
        if (reason != null && reasons.get(i).isEmpty()) {
          reasons.get(i).add(reason);
        }
      }
    }

    List<RetentionDecision> decisions = new ArrayList<>(newestFirst.size());
    for (int i = 0; i < newestFirst.size(); i++) {
      List<String> why = reasons.get(i);
      decisions.add(new RetentionDecision(newestFirst.get(i), !why.isEmpty(), why));
    }
    return List.copyOf(decisions);
  }

  private void applyCountRule(
      Rule rule, int count, List<VersionRef> newestFirst, List<List<String>> reasons) {
    // A set rather than "differs from the previous period" so that a zone whose clock ever stepped
    // back across midnight still counts each period once.
    Set<String> periodsSeen = new HashSet<>();
    int remaining = count;
    for (int i = 0; i < newestFirst.size() && remaining > 0; i++) {
      String period = rule.period(i, newestFirst.get(i).time().atZone(zone));
      if (periodsSeen.add(period)) {
        reasons.get(i).add(rule.label + " " + period);
        remaining--;
      }
    }
  }

  private static void applyWithin(
      Duration within, List<VersionRef> newestFirst, List<List<String>> reasons) {
    if (within.isZero()) {
      return;
    }
    Instant newest = newestFirst.get(0).time();
    String reason = "within " + DurationParser.format(within);
    for (int i = 0; i < newestFirst.size(); i++) {
      // Strictly less than, as restic: a version exactly "within" older than the newest is out.
      // Duration.between cannot overflow for any two Instants, unlike newest.minus(within).
      if (Duration.between(newestFirst.get(i).time(), newest).compareTo(within) >= 0) {
        break;
      }
      reasons.get(i).add(reason);
    }
  }

  /** The counted rules, in the order their reasons are listed. */
  private enum Rule {
    LAST("last") {
      @Override
      int count(RetentionPolicy policy) {
        return policy.keepLast();
      }

      @Override
      String period(int rank, ZonedDateTime time) {
        // Every version is its own "period", labelled by its rank so "last 2" is the second newest.
        return Integer.toString(rank + 1);
      }
    },
    DAILY("daily") {
      @Override
      int count(RetentionPolicy policy) {
        return policy.keepDaily();
      }

      @Override
      String period(int rank, ZonedDateTime time) {
        return time.toLocalDate().toString();
      }
    },
    WEEKLY("weekly") {
      @Override
      int count(RetentionPolicy policy) {
        return policy.keepWeekly();
      }

      @Override
      String period(int rank, ZonedDateTime time) {
        // The week-based year, not the calendar year: 2021-01-01 belongs to 2020-W53.
        return String.format(
            Locale.ROOT,
            "%d-W%02d",
            time.get(IsoFields.WEEK_BASED_YEAR),
            time.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
      }
    },
    MONTHLY("monthly") {
      @Override
      int count(RetentionPolicy policy) {
        return policy.keepMonthly();
      }

      @Override
      String period(int rank, ZonedDateTime time) {
        return YearMonth.from(time).toString();
      }
    },
    YEARLY("yearly") {
      @Override
      int count(RetentionPolicy policy) {
        return policy.keepYearly();
      }

      @Override
      String period(int rank, ZonedDateTime time) {
        return Integer.toString(time.getYear());
      }
    };

    final String label;

    Rule(String label) {
      this.label = label;
    }

    abstract int count(RetentionPolicy policy);

    abstract String period(int rank, ZonedDateTime time);
  }
}
