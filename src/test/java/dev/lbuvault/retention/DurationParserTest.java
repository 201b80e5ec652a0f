package dev.lbuvault.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationParserTest {

  @ParameterizedTest(name = "{0} is {1} hours")
  @CsvSource({
    "30d, 720",
    "12h, 12",
    "2w, 336",
    "1y, 8760",
    "1m, 720",
    "2w3d, 408",
    "1y2m3d4h, 10276",
    "0d, 0",
    "' 7d ', 168",
    "PT36H, 36",
    "P7D, 168",
    "P1DT12H, 36",
    "pt36h, 36"
  })
  void acceptsCompactAndIsoForms(String text, long hours) {
    assertThat(DurationParser.parse(text)).isEqualTo(Duration.ofHours(hours));
  }

  @Test
  void isoFormsMayUseMinutesAndSeconds() {
    assertThat(DurationParser.parse("PT90M")).isEqualTo(Duration.ofMinutes(90));
  }

  @ParameterizedTest(name = "\"{0}\" is rejected")
  @ValueSource(
      strings = {
        "abc", "", " ", "7", "d", "7x", "1d1d", "3d2w", "7D", "7 d", "1.5d", "+7d", "-7d", "7d-",
        "P1W", "P1M", "PT", "P"
      })
  void rejectsAnythingElseWithAHint(String text) {
    assertThatThrownBy(() -> DurationParser.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("invalid duration \"" + text + "\": use e.g. 7d, 36h, 2w3d or ISO-8601 P7D");
  }

  @Test
  void rejectsNull() {
    assertThatThrownBy(() -> DurationParser.parse(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("invalid duration \"null\"");
  }

  @Test
  void rejectsNegativeIsoDurations() {
    assertThatThrownBy(() -> DurationParser.parse("PT-5H"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("invalid duration \"PT-5H\": must not be negative");
    assertThatThrownBy(() -> DurationParser.parse("-P1D"))
        .hasMessage("invalid duration \"-P1D\": must not be negative");
  }

  @Test
  void rejectsNumbersTooLargeForADuration() {
    assertThatThrownBy(() -> DurationParser.parse("99999999999999999999d"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("too large");
    assertThatThrownBy(() -> DurationParser.parse("9223372036854775807y"))
        .hasMessageContaining("too large");
  }

  @Test
  void formatsWholeHoursCompactlyWithoutAmbiguousMonthsOrYears() {
    assertThat(DurationParser.format(Duration.ofDays(7))).isEqualTo("7d");
    assertThat(DurationParser.format(Duration.ofHours(36))).isEqualTo("1d12h");
    assertThat(DurationParser.format(Duration.ofHours(5))).isEqualTo("5h");
    assertThat(DurationParser.format(Duration.ofDays(365))).isEqualTo("365d");
    assertThat(DurationParser.format(Duration.ZERO)).isEqualTo("0h");
    assertThat(DurationParser.format(Duration.ofMinutes(90))).isEqualTo("PT1H30M");
  }

  @ParameterizedTest
  @ValueSource(strings = {"7d", "1y2m3d4h", "2w3d", "PT36H", "PT90M", "PT1.5S", "0h"})
  void formatThenParseGivesTheSameDuration(String text) {
    Duration duration = DurationParser.parse(text);
    assertThat(DurationParser.parse(DurationParser.format(duration))).isEqualTo(duration);
  }
}
