package dev.lbuvault.replicate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.repo.VersionId;
import dev.lbuvault.retention.RetentionArbitraries;
import dev.lbuvault.retention.RetentionDecision;
import dev.lbuvault.retention.RetentionPlanner;
import dev.lbuvault.retention.RetentionPolicy;
import dev.lbuvault.retention.VersionRef;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The target retention rule of {@code replicate --keep-*} over random histories, random splits of
 * them between source and target, random policies and zones: the target's newest version and the
 * newest version both sides hold are never removed, nothing the policy alone keeps is removed, a
 * version is never sent only to be removed by the same run, and a second run neither sends nor
 * removes anything, so retention and replication never fight.
 */
class ReplicaRetentionPropertiesTest {
  private static final Instant START = Instant.parse("2019-01-01T00:00:00Z");
  private static final long FOUR_YEARS_IN_QUARTER_HOURS = Duration.ofDays(4 * 366).toMinutes() / 15;

  /** Where one version of a generated history lives. */
  enum Side {
    BOTH,
    TARGET_ONLY,
    SOURCE_ONLY
  }

  /** A history split between the sides: the target's ids, the shared ones, the missing ones. */
  record Split(Set<VersionId> target, Set<VersionId> shared, Set<VersionId> missing) {
    Set<VersionId> source() {
      Set<VersionId> s = new TreeSet<>(shared);
      s.addAll(missing);
      return s;
    }
  }

  @Property(tries = 300)
  void theTargetsNewestAndTheNewestSharedVersionAreNeverRemoved(
      @ForAll("splits") Split split,
      @ForAll("policies") RetentionPolicy policy,
      @ForAll("zones") ZoneId zone) {
    List<RetentionDecision> decisions =
        retention(zone).plan(split.target(), split.shared(), policy);

    Set<String> kept = kept(decisions);
    if (!split.target().isEmpty()) {
      assertThat(kept).contains(new TreeSet<>(split.target()).last().value());
    }
    ReplicaRetention.newestShared(split.target(), split.shared())
        .ifPresent(parent -> assertThat(kept).contains(parent.value()));
    assertThat(decisions).hasSameSizeAs(split.target());
  }

  @Property(tries = 300)
  void everythingThePolicyAloneKeepsIsKeptAndAtMostTwoMore(
      @ForAll("splits") Split split,
      @ForAll("policies") RetentionPolicy policy,
      @ForAll("zones") ZoneId zone) {
    Set<String> byPolicy = kept(new RetentionPlanner(zone).plan(refs(split.target()), policy));
    Set<String> replica = kept(retention(zone).plan(split.target(), split.shared(), policy));

    assertThat(replica).containsAll(byPolicy);
    assertThat(replica.size() - byPolicy.size()).isBetween(0, 2);
  }

  @Property(tries = 300)
  void aVersionSentIsKeptByTheSameRunAndTheSourcesNewestIsAlwaysSent(
      @ForAll("splits") Split split,
      @ForAll("policies") RetentionPolicy policy,
      @ForAll("zones") ZoneId zone) {
    ReplicaRetention retention = retention(zone);
    List<VersionId> sent =
        retention.worthSending(split.target(), split.shared(), split.missing(), policy);

    Set<VersionId> after = union(split.target(), sent);
    Set<String> kept = kept(retention.plan(after, union(split.shared(), sent), policy));
    assertThat(kept).containsAll(sent.stream().map(VersionId::value).toList());
    Set<VersionId> source = split.source();
    if (!source.isEmpty() && split.missing().contains(new TreeSet<>(source).last())) {
      assertThat(sent).contains(new TreeSet<>(source).last());
    }
  }

  @Property(tries = 300)
  void aSecondRunSendsNothingAndRemovesNothing(
      @ForAll("splits") Split split,
      @ForAll("policies") RetentionPolicy policy,
      @ForAll("zones") ZoneId zone) {
    ReplicaRetention retention = retention(zone);
    Set<VersionId> survivors = firstRun(retention, split, policy);
    Set<VersionId> shared = intersection(split.source(), survivors);
    Set<VersionId> missing = new TreeSet<>(split.source());
    missing.removeAll(survivors);

    assertThat(retention.worthSending(survivors, shared, missing, policy)).isEmpty();
    assertThat(retention.plan(survivors, shared, policy))
        .allSatisfy(d -> assertThat(d.keep()).as(d.version().id()).isTrue());
  }

  @Property(tries = 300)
  void theNextIncrementalSendStartsFromAVersionTheTargetStillHolds(
      @ForAll("splits") Split split,
      @ForAll("policies") RetentionPolicy policy,
      @ForAll("zones") ZoneId zone) {
    ReplicaRetention retention = retention(zone);
    Set<VersionId> survivors = firstRun(retention, split, policy);
    Set<VersionId> shared = intersection(split.source(), survivors);
    Set<VersionId> everything = union(split.source(), split.target());
    if (everything.isEmpty()) {
      return;
    }
    // The next backup, newer than anything either side holds.
    VersionId next = VersionId.at(new TreeSet<>(everything).last().time().plusSeconds(3600));

    assertThat(retention.worthSending(survivors, shared, List.of(next), policy))
        .containsExactly(next);
    List<VersionId> sent =
        retention.worthSending(split.target(), split.shared(), split.missing(), policy);
    Set<VersionId> heldByBoth = union(split.shared(), sent);
    if (!heldByBoth.isEmpty()) {
      // The newest version both sides held after the transfer is still there to send from.
      assertThat(ReplicaRetention.newestShared(survivors, shared))
          .contains(new TreeSet<>(heldByBoth).last());
    }
  }

  /** Send what is worth sending (every send succeeds), then prune: the target's versions after. */
  private static Set<VersionId> firstRun(
      ReplicaRetention retention, Split split, RetentionPolicy policy) {
    List<VersionId> sent =
        retention.worthSending(split.target(), split.shared(), split.missing(), policy);
    Set<VersionId> after = union(split.target(), sent);
    Set<String> kept = kept(retention.plan(after, union(split.shared(), sent), policy));
    return after.stream()
        .filter(id -> kept.contains(id.value()))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static ReplicaRetention retention(ZoneId zone) {
    return new ReplicaRetention(new RetentionPlanner(zone));
  }

  private static Set<String> kept(List<RetentionDecision> decisions) {
    return decisions.stream()
        .filter(RetentionDecision::keep)
        .map(d -> d.version().id())
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static List<VersionRef> refs(Collection<VersionId> ids) {
    return ids.stream().map(id -> new VersionRef(id.value(), id.time())).toList();
  }

  private static Set<VersionId> union(Collection<VersionId> a, Collection<VersionId> b) {
    Set<VersionId> s = new TreeSet<>(a);
    s.addAll(b);
    return s;
  }

  private static Set<VersionId> intersection(Collection<VersionId> a, Collection<VersionId> b) {
    Set<VersionId> s = new TreeSet<>(a);
    s.retainAll(b);
    return s;
  }

  /**
   * Up to 50 versions over four years (whole quarter hours, so several a day and now and then two
   * in one second, which get the repository's {@code _2} suffix), each on the target only, the
   * source only or both.
   */
  @Provide
  Arbitrary<Split> splits() {
    Arbitrary<Long> quarterHours = Arbitraries.longs().between(0, FOUR_YEARS_IN_QUARTER_HOURS);
    Arbitrary<Long> clustered =
        Arbitraries.longs().between(0, 4 * 24 * 30).map(q -> q + FOUR_YEARS_IN_QUARTER_HOURS / 2);
    Arbitrary<Side> side = Arbitraries.of(Side.class);
    return Combinators.combine(Arbitraries.oneOf(quarterHours, clustered), side)
        .as(Map::entry)
        .list()
        .ofMaxSize(50)
        .map(
            entries -> {
              Map<VersionId, Integer> seen = new HashMap<>();
              Set<VersionId> target = new TreeSet<>();
              Set<VersionId> shared = new TreeSet<>();
              Set<VersionId> missing = new TreeSet<>();
              for (Map.Entry<Long, Side> e : entries) {
                VersionId base = VersionId.at(START.plus(Duration.ofMinutes(15 * e.getKey())));
                int n = seen.merge(base, 1, Integer::sum);
                VersionId id = n == 1 ? base : base.withSuffix(n);
                switch (e.getValue()) {
                  case BOTH -> {
                    target.add(id);
                    shared.add(id);
                  }
                  case TARGET_ONLY -> target.add(id);
                  case SOURCE_ONLY -> missing.add(id);
                }
              }
              return new Split(target, shared, missing);
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
