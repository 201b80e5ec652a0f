package dev.lbuvault.recover;

import java.util.Map;

/**
 * Proof that every file a plan takes from the version matched {@code SHA256SUMS} when it was read
 * for checking, with the hash each must still have when it is read again for the card. Only {@link
 * SourceVerifier} makes one, so the writer cannot be reached without the check.
 */
public final class VerifiedSource {
  private final SourceVerifier verifier;
  private final RecoveryPlan plan;
  private final Map<String, String> expected;

  VerifiedSource(SourceVerifier verifier, RecoveryPlan plan, Map<String, String> expected) {
    this.verifier = verifier;
    this.plan = plan;
    this.expected = Map.copyOf(expected);
  }

  RecoveryPlan plan() {
    return plan;
  }

  /**
   * Checks what was just read for the card from {@code item}'s version file.
   *
   * @param stage what has already happened to the target, for the message
   * @throws SourceDamagedException if the bytes differ from the hash or size checked earlier
   */
  void requireIntact(CardItem item, HashingInputStream read, String stage)
      throws SourceDamagedException {
    verifier.requireIntact(plan, item, expected.get(item.path()), read, stage);
  }
}
