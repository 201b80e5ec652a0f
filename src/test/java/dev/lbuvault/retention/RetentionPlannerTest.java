package dev.lbuvault.retention;

import static dev.lbuvault.retention.Versions.daily;
import static dev.lbuvault.retention.Versions.history;
import static dev.lbuvault.retention.Versions.keptIds;
import static dev.lbuvault.retention.Versions.last;
import static dev.lbuvault.retention.Versions.monthly;
import static dev.lbuvault.retention.Versions.reasonsOf;
import static dev.lbuvault.retention.Versions.v;
import static dev.lbuvault.retention.Versions.weekly;
import static dev.lbuvault.retention.Versions.within;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class RetentionPlannerTest {

  private static final RetentionPlanner UTC = new RetentionPlanner(ZoneOffset.UTC);

  /** 2026-11-12 (Thu) to 2026-11-25 (Wed), at 03:00, 11:00 and 19:00 UTC. */
  private static List<VersionRef> threeADayForTwoWeeks() {
    List<VersionRef> versions = new ArrayList<>();
    for (int day = 12; day <= 25; day++) {
      for (int hour : new int[] {3, 11, 19}) {
        versions.add(v(String.format(Locale.ROOT, "202611%02dT%02d0000Z", day, hour)));
      }
    }
    return versions;
  }

  private static List<String> allIds(List<RetentionDecision> decisions) {
    return decisions.stream().map(d -> d.version().id()).collect(Collectors.toList());
  }

  @Test
  void keepDailyKeepsTheLastVersionOfEachOfTheMostRecentDays() {
    List<RetentionDecision> decisions = UTC.plan(threeADayForTwoWeeks(), daily(7));

    assertThat(keptIds(decisions))
        .containsExactly(
            "20261125T190000Z",
            "20261124T190000Z",
            "20261123T190000Z",
            "20261122T190000Z",
            "20261121T190000Z",
            "20261120T190000Z",
            "20261119T190000Z");
    assertThat(reasonsOf(decisions, "20261125T190000Z")).containsExactly("daily 2026-11-25");
    assertThat(reasonsOf(decisions, "20261119T190000Z")).containsExactly("daily 2026-11-19");
    assertThat(reasonsOf(decisions, "20261125T110000Z")).isEmpty();
  }

  @Test
  void keepLastKeepsTheNewestVersionsAndNumbersThemFromTheNewest() {
    List<RetentionDecision> decisions = UTC.plan(threeADayForTwoWeeks(), last(3));

    assertThat(keptIds(decisions))
        .containsExactly("20261125T190000Z", "20261125T110000Z", "20261125T030000Z");
    assertThat(reasonsOf(decisions, "20261125T190000Z")).containsExactly("last 1");
    assertThat(reasonsOf(decisions, "20261125T030000Z")).containsExactly("last 3");
  }

  @Test
  void everyVersionGetsOneDecisionNewestFirstWhateverTheInputOrder() {
    List<VersionRef> sorted = threeADayForTwoWeeks();
    List<VersionRef> shuffled = new ArrayList<>(sorted);
    Collections.shuffle(shuffled, new Random(42));
    Collections.reverse(sorted);

    List<RetentionDecision> fromShuffled = UTC.plan(shuffled, daily(3));

    assertThat(fromShuffled).hasSize(42);
    assertThat(allIds(fromShuffled))
        .containsExactlyElementsOf(sorted.stream().map(VersionRef::id).toList());
    assertThat(fromShuffled).isEqualTo(UTC.plan(sorted, daily(3)));
  }

  @Test
  void gapsInTheHistoryDoNotUseUpTheCount() {
    List<VersionRef> versions =
        history(
            "20261125T030000Z",
            "20261120T030000Z",
            "20261101T030000Z",
            "20261015T030000Z",
            "20260301T030000Z");

    List<RetentionDecision> decisions = UTC.plan(versions, daily(3));

    assertThat(keptIds(decisions))
        .containsExactly("20261125T030000Z", "20261120T030000Z", "20261101T030000Z");
    assertThat(reasonsOf(decisions, "20261101T030000Z")).containsExactly("daily 2026-11-01");
  }

  @Test
  void monthsWithoutVersionsAreSkippedRatherThanCounted() {
    List<VersionRef> versions =
        history("20261125T030000Z", "20260815T030000Z", "20260110T030000Z", "20251231T030000Z");

    assertThat(keptIds(UTC.plan(versions, monthly(3))))
        .containsExactly("20261125T030000Z", "20260815T030000Z", "20260110T030000Z");
  }

  @Test
  void rulesAreIndependentSoADailyVersionAlsoCountsAsTheWeeksVersion() {
    List<RetentionDecision> decisions =
        UTC.plan(threeADayForTwoWeeks(), new RetentionPolicy(0, 7, 2, 0, 0, null));

    // Sunday 22nd is the newest of ISO week 47 and already a daily version: restic counts it for
    // both rules, so nothing from week 46 is kept (borg would keep Sunday 15th as well).
    assertThat(keptIds(decisions)).hasSize(7).doesNotContain("20261115T190000Z");
    assertThat(reasonsOf(decisions, "20261122T190000Z"))
        .containsExactly("daily 2026-11-22", "weekly 2026-W47");
    assertThat(reasonsOf(decisions, "20261125T190000Z"))
        .containsExactly("daily 2026-11-25", "weekly 2026-W48");
  }

  @Test
  void theNewestVersionListsEveryRuleThatKeepsItInOptionOrder() {
    RetentionPolicy everything = new RetentionPolicy(1, 1, 1, 1, 1, Duration.ofDays(7));

    List<RetentionDecision> decisions = UTC.plan(threeADayForTwoWeeks(), everything);

    assertThat(decisions.get(0).reasons())
        .containsExactly(
            "last 1",
            "daily 2026-11-25",
            "weekly 2026-W48",
            "monthly 2026-11",
            "yearly 2026",
            "within 7d");
  }

  @Test
  void weeklyUsesIsoWeeksSoTheFirstDaysOfJanuaryCanBelongToTheOldYearsLastWeek() {
    List<VersionRef> versions =
        history(
            "20210104T030000Z", // Monday, 2021-W01
            "20210103T030000Z", // Sunday, 2020-W53
            "20210101T030000Z", // Friday, 2020-W53
            "20201231T030000Z", // Thursday, 2020-W53
            "20201228T030000Z", // Monday, 2020-W53
            "20201227T030000Z"); // Sunday, 2020-W52

    List<RetentionDecision> decisions = UTC.plan(versions, weekly(3));

    assertThat(keptIds(decisions))
        .containsExactly("20210104T030000Z", "20210103T030000Z", "20201227T030000Z");
    assertThat(reasonsOf(decisions, "20210104T030000Z")).containsExactly("weekly 2021-W01");
    assertThat(reasonsOf(decisions, "20210103T030000Z")).containsExactly("weekly 2020-W53");
    assertThat(reasonsOf(decisions, "20201227T030000Z")).containsExactly("weekly 2020-W52");
  }

  @Test
  void yearlyUsesTheCalendarYearEvenWhereTheIsoWeekBelongsToTheNextYear() {
    List<VersionRef> versions =
        history("20260105T030000Z", "20251231T030000Z", "20251229T030000Z", "20251228T030000Z");

    List<RetentionDecision> decisions =
        UTC.plan(versions, new RetentionPolicy(0, 0, 2, 0, 2, null));

    // Monday 2025-12-29 to Sunday 2026-01-04 is 2026-W01, but the 31st is still in 2025.
    assertThat(keptIds(decisions)).containsExactly("20260105T030000Z", "20251231T030000Z");
    assertThat(reasonsOf(decisions, "20251231T030000Z"))
        .containsExactly("weekly 2026-W01", "yearly 2025");
    assertThat(reasonsOf(decisions, "20251228T030000Z")).isEmpty();
  }

  @Test
  void monthlyKeepsTheLastVersionBeforeEachMonthEnds() {
    List<VersionRef> versions =
        history(
            "20260331T233000Z",
            "20260301T000000Z",
            "20260228T120000Z",
            "20260201T000000Z",
            "20260131T235959Z",
            "20260101T000000Z");

    List<RetentionDecision> decisions = UTC.plan(versions, monthly(3));

    assertThat(keptIds(decisions))
        .containsExactly("20260331T233000Z", "20260228T120000Z", "20260131T235959Z");
    assertThat(reasonsOf(decisions, "20260228T120000Z")).containsExactly("monthly 2026-02");
  }

  @Test
  void periodsAreTakenInThePlannersZone() {
    List<VersionRef> versions =
        history(
            "20260331T233000Z", // 2026-04-01 01:30 in Berlin (summer time)
            "20260301T000000Z", // 2026-03-01 01:00 in Berlin
            "20260228T120000Z",
            "20260131T235959Z"); // 2026-02-01 00:59:59 in Berlin

    List<RetentionDecision> decisions =
        new RetentionPlanner(ZoneId.of("Europe/Berlin")).plan(versions, monthly(3));

    assertThat(keptIds(decisions))
        .containsExactly("20260331T233000Z", "20260301T000000Z", "20260228T120000Z");
    assertThat(reasonsOf(decisions, "20260331T233000Z")).containsExactly("monthly 2026-04");
    assertThat(reasonsOf(decisions, "20260301T000000Z")).containsExactly("monthly 2026-03");
  }

  @Test
  void versionsWithEqualTimesAreOrderedByIdDescending() {
    VersionRef first = v("20261125T030000Z");
    VersionRef second = new VersionRef("20261125T030000Z_2", first.time());

    List<RetentionDecision> decisions = UTC.plan(List.of(first, second), last(1));

    assertThat(allIds(decisions)).containsExactly("20261125T030000Z_2", "20261125T030000Z");
    assertThat(keptIds(decisions)).containsExactly("20261125T030000Z_2");
    assertThat(keptIds(UTC.plan(List.of(second, first), daily(1))))
        .containsExactly("20261125T030000Z_2");
  }

  @Test
  void keepWithinIsMeasuredFromTheNewestVersionNotFromNow() {
    List<VersionRef> versions =
        history("20190610T030000Z", "20190609T030000Z", "20190608T040000Z", "20190601T030000Z");

    List<RetentionDecision> decisions = UTC.plan(versions, within(Duration.ofDays(2)));

    assertThat(keptIds(decisions))
        .containsExactly("20190610T030000Z", "20190609T030000Z", "20190608T040000Z");
    assertThat(reasonsOf(decisions, "20190608T040000Z")).containsExactly("within 2d");
  }

  @Test
  void keepWithinLeavesOutAVersionExactlyThatMuchOlderThanTheNewest() {
    List<VersionRef> versions = history("20261125T030000Z", "20261118T030001Z", "20261118T030000Z");

    assertThat(keptIds(UTC.plan(versions, within(Duration.ofDays(7)))))
        .containsExactly("20261125T030000Z", "20261118T030001Z");
  }

  @Test
  void anEmptyPolicyRemovesNothing() {
    List<RetentionDecision> decisions = UTC.plan(threeADayForTwoWeeks(), RetentionPolicy.none());

    assertThat(decisions)
        .hasSize(42)
        .allSatisfy(
            d -> {
              assertThat(d.keep()).isTrue();
              assertThat(d.reasons()).containsExactly("no policy");
            });
  }

  @Test
  void anEmptyHistoryGivesNoDecisions() {
    assertThat(UTC.plan(List.of(), daily(7))).isEmpty();
    assertThat(UTC.plan(List.of(), RetentionPolicy.none())).isEmpty();
  }

  @Test
  void aCountLargerThanTheHistoryKeepsOneVersionOfEveryPeriod() {
    List<RetentionDecision> decisions = UTC.plan(threeADayForTwoWeeks(), daily(100));

    assertThat(keptIds(decisions)).hasSize(14).allMatch(id -> id.endsWith("T190000Z"));
  }

  @Test
  void removedVersionsCarryNoReasonsAndKeptOnesAtLeastOne() {
    List<RetentionDecision> decisions =
        UTC.plan(threeADayForTwoWeeks(), new RetentionPolicy(2, 3, 1, 0, 0, Duration.ofHours(12)));

    assertThat(decisions).allSatisfy(d -> assertThat(d.reasons().isEmpty()).isEqualTo(!d.keep()));
    assertThat(decisions).filteredOn(d -> !d.keep()).isNotEmpty();
  }

  @Test
  void theResultCannotBeModified() {
    List<RetentionDecision> decisions = UTC.plan(threeADayForTwoWeeks(), daily(1));

    assertThatThrownBy(() -> decisions.remove(0)).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> decisions.get(0).reasons().add("x"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void twoVersionsWithTheSameIdAreRejected() {
    List<VersionRef> versions =
        List.of(
            v("20261125T030000Z"),
            new VersionRef("20261125T030000Z", v("20261124T030000Z").time()));

    assertThatThrownBy(() -> UTC.plan(versions, daily(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("duplicate version id 20261125T030000Z");
  }

  /** The table in docs/retention.md; if this fails, fix the docs too. */
  @Test
  void theWorkedExampleInTheDocumentationHolds() {
    List<VersionRef> versions =
        history(
            "20261125T030000Z",
            "20261124T150000Z",
            "20261124T030000Z",
            "20261123T030000Z",
            "20261122T030000Z",
            "20261121T030000Z",
            "20261115T030000Z",
            "20261031T030000Z",
            "20261030T030000Z",
            "20260930T030000Z",
            "20251231T030000Z");
    RetentionPolicy policy = new RetentionPolicy(2, 3, 3, 3, 2, DurationParser.parse("2d"));

    List<RetentionDecision> decisions = UTC.plan(versions, policy);

    assertThat(decisions)
        .extracting(
            d -> d.version().id() + " " + (d.keep() ? "keep" : "remove") + " " + d.reasons())
        .containsExactly(
            "20261125T030000Z keep [last 1, daily 2026-11-25, weekly 2026-W48, monthly 2026-11,"
                + " yearly 2026, within 2d]",
            "20261124T150000Z keep [last 2, daily 2026-11-24, within 2d]",
            "20261124T030000Z keep [within 2d]",
            "20261123T030000Z keep [daily 2026-11-23]",
            "20261122T030000Z keep [weekly 2026-W47]",
            "20261121T030000Z remove []",
            "20261115T030000Z keep [weekly 2026-W46]",
            "20261031T030000Z keep [monthly 2026-10]",
            "20261030T030000Z remove []",
            "20260930T030000Z keep [monthly 2026-09]",
            "20251231T030000Z keep [yearly 2025]");
  }
}
