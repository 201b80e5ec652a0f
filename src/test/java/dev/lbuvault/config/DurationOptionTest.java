package dev.lbuvault.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationOptionTest {
  @Test
  void acceptsUnitsLargestFirstAndIso() {
    assertThat(DurationOption.parse("0s")).isEqualTo(Duration.ZERO);
    assertThat(DurationOption.parse("30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(DurationOption.parse("5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(DurationOption.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(DurationOption.parse("2d")).isEqualTo(Duration.ofDays(2));
    assertThat(DurationOption.parse("PT90S")).isEqualTo(Duration.ofSeconds(90));
  }

  @Test
  void rejectsEverythingElseNamingTheValue() {
    for (String bad : new String[] {"", "soon", "5", "30m1h", "-5s", "PT-5S", "5 m"}) {
      assertThatThrownBy(() -> DurationOption.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("invalid duration \"" + bad + "\"");
    }
  }
}
