package dev.lbuvault.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetentionPolicyTest {

  @Test
  void aNegativeCountIsRejectedNamingTheOption() {
    assertThatThrownBy(() -> new RetentionPolicy(-1, 0, 0, 0, 0, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--keep-last must be >= 0, got -1");
    assertThatThrownBy(() -> new RetentionPolicy(0, -1, 0, 0, 0, null))
        .hasMessage("--keep-daily must be >= 0, got -1");
    assertThatThrownBy(() -> new RetentionPolicy(0, 0, -2, 0, 0, null))
        .hasMessage("--keep-weekly must be >= 0, got -2");
    assertThatThrownBy(() -> new RetentionPolicy(0, 0, 0, -3, 0, null))
        .hasMessage("--keep-monthly must be >= 0, got -3");
    assertThatThrownBy(() -> new RetentionPolicy(0, 0, 0, 0, Integer.MIN_VALUE, null))
        .hasMessage("--keep-yearly must be >= 0, got " + Integer.MIN_VALUE);
  }

  @Test
  void aNegativeKeepWithinIsRejected() {
    assertThatThrownBy(() -> new RetentionPolicy(0, 0, 0, 0, 0, Duration.ofHours(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--keep-within must not be negative");
  }

  @Test
  void aMissingKeepWithinMeansZero() {
    assertThat(new RetentionPolicy(1, 0, 0, 0, 0, null).keepWithin()).isEqualTo(Duration.ZERO);
  }

  @Test
  void noneIsEmptyAndEqualToAllZeros() {
    assertThat(RetentionPolicy.none().isEmpty()).isTrue();
    assertThat(RetentionPolicy.none()).isEqualTo(new RetentionPolicy(0, 0, 0, 0, 0, null));
  }

  @Test
  void anySingleRuleMakesThePolicyNonEmpty() {
    assertThat(new RetentionPolicy(1, 0, 0, 0, 0, null).isEmpty()).isFalse();
    assertThat(new RetentionPolicy(0, 1, 0, 0, 0, null).isEmpty()).isFalse();
    assertThat(new RetentionPolicy(0, 0, 1, 0, 0, null).isEmpty()).isFalse();
    assertThat(new RetentionPolicy(0, 0, 0, 1, 0, null).isEmpty()).isFalse();
    assertThat(new RetentionPolicy(0, 0, 0, 0, 1, null).isEmpty()).isFalse();
    assertThat(new RetentionPolicy(0, 0, 0, 0, 0, Duration.ofSeconds(1)).isEmpty()).isFalse();
  }
}
