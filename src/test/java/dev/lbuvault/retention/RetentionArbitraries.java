package dev.lbuvault.retention;

import java.time.Duration;
import java.time.ZoneId;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * The jqwik generators every retention property shares: policies small enough that histories of a
 * few dozen versions exercise every rule's edges, and zones whose offsets and daylight-saving rules
 * move day and week boundaries.
 */
public final class RetentionArbitraries {
  private RetentionArbitraries() {}

  /** Policies with 0-6 of each count and an optional keep-within of up to 400 days. */
  public static Arbitrary<RetentionPolicy> policies() {
    Arbitrary<Integer> count = Arbitraries.integers().between(0, 6);
    Arbitrary<Duration> within =
        Arbitraries.oneOf(
            Arbitraries.just(Duration.ZERO),
            Arbitraries.longs().between(1, 400 * 24).map(Duration::ofHours));
    return Combinators.combine(count, count, count, count, count, within).as(RetentionPolicy::new);
  }

  /** UTC and zones with whole, half-hour, southern and northern daylight-saving offsets. */
  public static Arbitrary<ZoneId> zones() {
    return Arbitraries.of(
            "UTC", "Europe/Berlin", "America/Sao_Paulo", "Pacific/Auckland", "Asia/Kolkata")
        .map(ZoneId::of);
  }
}
