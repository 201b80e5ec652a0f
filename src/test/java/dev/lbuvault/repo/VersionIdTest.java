package dev.lbuvault.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class VersionIdTest {
  @Test
  void isTheUtcSecondOfTheTime() {
    VersionId id = VersionId.at(Instant.parse("2026-11-25T03:00:00.999Z"));
    assertThat(id.value()).isEqualTo("20261125T030000Z");
    assertThat(id.time()).isEqualTo(Instant.parse("2026-11-25T03:00:00Z"));
  }

  @Test
  void suffixedIdsSortAfterTheirBaseAndNumerically() {
    VersionId base = new VersionId("20261125T030000Z");
    List<VersionId> ids =
        new ArrayList<>(List.of(base.withSuffix(10), base.next(), base, base.withSuffix(9)));
    ids.sort(null);
    assertThat(ids)
        .extracting(VersionId::value)
        .containsExactly(
            "20261125T030000Z", "20261125T030000Z_2", "20261125T030000Z_9", "20261125T030000Z_10");
    assertThat(base.next().next().value()).isEqualTo("20261125T030000Z_3");
    assertThat(base.next().time()).isEqualTo(base.time());
  }

  @Test
  void rejectsAnythingElse() {
    assertThat(VersionId.isValid(".partial-20261125T030000Z")).isFalse();
    assertThatThrownBy(() -> new VersionId("2026-11-25")).hasMessageContaining("YYYYMMDDTHHMMSSZ");
  }
}
