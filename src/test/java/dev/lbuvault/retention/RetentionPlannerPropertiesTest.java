package dev.lbuvault.retention;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class RetentionPlannerPropertiesTest {

  private static final Instant START = Instant.parse("2019-01-01T00:00:00Z");
  private static final long FOUR_YEARS_IN_MINUTES = Duration.ofDays(4 * 366).toMinutes();

  @Property(tries = 200)
  void theNewestVersionIsAlwaysKept(
      @ForAll("histories") List<VersionRef> versions,
      @ForAll("policies") RetentionPolicy policy,
      @ForAll("zones") ZoneId zone) {
    List<RetentionDecision> decisions = new RetentionPlanner(zone).plan(versions, policy);

    RetentionDecision newest = decisions.get(0);
    assertThat(newest.keep()).isTrue();
    assertThat(versions)
        .allSatisfy(v -> assertThat(v.time()).isBeforeOrEqualTo(newest.version().time()));
  }

  @Property(tries = 200)
  void pruningAgainWithTheSamePolicyRemovesNothingMore(
      @ForAll("histories") List<VersionRef> versions,
      @ForAll("policies") RetentionPolicy policy,
      @ForAll("zones") ZoneId zone) {
    RetentionPlanner planner = new RetentionPlanner(zone);
    List<VersionRef> kept =
        planner.plan(versions, policy).stream()
            .filter(RetentionDecision::keep)
            .map(RetentionDecision::version)
            .collect(Collectors.toList());

    assertThat(planner.plan(kept, policy)).allSatisfy(d -> assertThat(d.keep()).isTrue());
  }

  @Property(tries = 200)
  void anEmptyPolicyKeepsEverything(
      @ForAll("histories") List<VersionRef> versions, @ForAll("zones") ZoneId zone) {
    List<RetentionDecision> decisions =
        new RetentionPlanner(zone).plan(versions, RetentionPolicy.none());

    assertThat(decisions).hasSameSizeAs(versions).allSatisfy(d -> assertThat(d.keep()).isTrue());
  }

  @Property(tries = 200)
  void aLargerCountForOneRuleKeepsASupersetOfASmallerOne(
      @ForAll("histories") List<VersionRef> versions,
      @ForAll @IntRange(min = 0, max = 4) int rule,
      @ForAll @IntRange(min = 0, max = 20) int smaller,
      @ForAll @IntRange(min = 0, max = 20) int extra,
      @ForAll("zones") ZoneId zone) {
    IntFunction<RetentionPolicy> single =
        n -> {
          int[] counts = new int[5];
          counts[rule] = n;
          return new RetentionPolicy(
              counts[0], counts[1], counts[2], counts[3], counts[4], Duration.ZERO);
        };
    // Zero is the empty policy, which keeps everything and so is not "smaller"; start at one.
    int small = smaller + 1;
    RetentionPlanner planner = new RetentionPlanner(zone);

    Set<String> keptWithFew = keptIds(planner.plan(versions, single.apply(small)));
    Set<String> keptWithMore = keptIds(planner.plan(versions, single.apply(small + extra)));

    assertThat(keptWithMore).containsAll(keptWithFew);
  }

  @Property(tries = 200)
  void removedVersionsHaveNoReasonsAndKeptOnesHaveSome(
      @ForAll("histories") List<VersionRef> versions,
      @ForAll("policies") RetentionPolicy policy,
      @ForAll("zones") ZoneId zone) {
    List<RetentionDecision> decisions = new RetentionPlanner(zone).plan(versions, policy);

    assertThat(decisions)
        .hasSameSizeAs(versions)
        .allSatisfy(d -> assertThat(d.reasons().isEmpty()).isEqualTo(!d.keep()));
  }

  @Property(tries = 200)
  void eachPeriodRuleKeepsAtMostItsCountAndNeverTwoVersionsOfOnePeriod(
      @ForAll("histories") List<VersionRef> versions,
      @ForAll("policies") RetentionPolicy policy,
      @ForAll("zones") ZoneId zone) {
    List<RetentionDecision> decisions = new RetentionPlanner(zone).plan(versions, policy);
    Map<String, Integer> counts = new HashMap<>();
    Set<String> reasons = new HashSet<>();
    for (RetentionDecision d : decisions) {
      for (String reason : d.reasons()) {
        if (!reason.startsWith("within") && !reason.equals("no policy")) {
          assertThat(reasons.add(reason)).as("reason given twice: %s", reason).isTrue();
          counts.merge(reason.substring(0, reason.indexOf(' ')), 1, Integer::sum);
        }
      }
    }

    assertThat(counts.getOrDefault("last", 0)).isLessThanOrEqualTo(policy.keepLast());
    assertThat(counts.getOrDefault("daily", 0)).isLessThanOrEqualTo(policy.keepDaily());
    assertThat(counts.getOrDefault("weekly", 0)).isLessThanOrEqualTo(policy.keepWeekly());
    assertThat(counts.getOrDefault("monthly", 0)).isLessThanOrEqualTo(policy.keepMonthly());
    assertThat(counts.getOrDefault("yearly", 0)).isLessThanOrEqualTo(policy.keepYearly());
  }

  private static Set<String> keptIds(List<RetentionDecision> decisions) {
    return new HashSet<>(Versions.keptIds(decisions));
  }

  /**
   * Up to 60 versions over four years. Times are whole quarter hours so that several versions per
   * day, and now and then two with the same time, turn up often; equal times get the repository's
   * {@code _2} suffix.
   */
  @Provide
  Arbitrary<List<VersionRef>> histories() {
    Arbitrary<Long> quarterHours = Arbitraries.longs().between(0, FOUR_YEARS_IN_MINUTES / 15);
    Arbitrary<Long> clustered =
        Arbitraries.longs().between(0, 4 * 24 * 30).map(q -> q + FOUR_YEARS_IN_MINUTES / 15 / 2);
    return Arbitraries.oneOf(quarterHours, clustered)
        .list()
        .ofMinSize(1)
        .ofMaxSize(60)
        .map(
            offsets -> {
              Map<String, Integer> seen = new HashMap<>();
              return offsets.stream()
                  .map(
                      q -> {
                        Instant time = START.plus(Duration.ofMinutes(15 * q));
                        String base = Versions.idOf(time);
                        int n = seen.merge(base, 1, Integer::sum);
                        return new VersionRef(n == 1 ? base : base + "_" + n, time);
                      })
                  .collect(Collectors.toList());
            });
  }

  @Provide
  Arbitrary<RetentionPolicy> policies() {
    return RetentionArbitraries.policies();
  }

  @Provide
  Arbitrary<ZoneId> zones() {
    return RetentionArbitraries.zones();
  }
}
