package dev.lbuvault.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetentionDecisionTest {

  private static final VersionRef VERSION =
      new VersionRef("20261125T030000Z", Instant.parse("2026-11-25T03:00:00Z"));

  @Test
  void theReasonsAreCopiedSoLaterChangesToTheCallersListDoNotLeakIn() {
    List<String> reasons = new ArrayList<>(List.of("last 1"));
    RetentionDecision decision = new RetentionDecision(VERSION, true, reasons);

    reasons.add("daily 2026-11-25");

    assertThat(decision.reasons()).containsExactly("last 1");
  }

  @Test
  void aKeptVersionMustHaveAReason() {
    assertThatThrownBy(() -> new RetentionDecision(VERSION, true, List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("20261125T030000Z");
  }

  @Test
  void aRemovedVersionCannotHaveReasons() {
    assertThatThrownBy(() -> new RetentionDecision(VERSION, false, List.of("last 1")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aVersionNeedsANonBlankIdAndATime() {
    Instant now = Instant.parse("2026-11-25T03:00:00Z");
    assertThatThrownBy(() -> new VersionRef(" ", now)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new VersionRef(null, now)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> new VersionRef("20261125T030000Z", null))
        .isInstanceOf(NullPointerException.class);
  }
}
