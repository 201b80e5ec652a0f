package dev.lbuvault.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbuvault.json.JsonException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class VersionMetadataTest {
  static VersionMetadata sample() {
    return new VersionMetadata(
        new VersionId("20261125T030000Z"),
        Instant.parse("2026-11-25T03:00:00.123Z"),
        "rpi",
        "/media/mmcblk0p1",
        "0.1.0",
        42,
        4_194_304,
        new ApkovlRecord("rpi.apkovl.tar.gz", 12_345, "c".repeat(64), 57, null),
        List.of("rpi.apkovl.tar.gz"),
        new CardVolumeRecord("/dev/mmcblk0p1", "1A2B-3C4D", "PIBOOT"),
        List.of("a warning"),
        "d".repeat(64));
  }

  @Test
  void writesTheDocumentedGoldenFormat() throws IOException {
    try (InputStream in = getClass().getResourceAsStream("/golden/version.json")) {
      String golden = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertThat(sample().toJson()).isEqualTo(golden);
    }
  }

  @Test
  void survivesARoundTripWithAndWithoutOptionalParts() throws JsonException {
    VersionMetadata full = sample();
    assertThat(VersionMetadata.fromJson(full.toJson())).isEqualTo(full);
    VersionMetadata bare =
        new VersionMetadata(
            full.id(),
            full.time(),
            "rpi",
            "/card",
            "dev",
            0,
            0,
            null,
            List.of(),
            null,
            List.of(),
            "e".repeat(64));
    assertThat(VersionMetadata.fromJson(bare.toJson())).isEqualTo(bare);
  }

  @Test
  void aBrokenDocumentNamesTheBadField() {
    assertThatThrownBy(() -> VersionMetadata.fromJson("{\"id\": \"20261125T030000Z\"}"))
        .isInstanceOf(JsonException.class)
        .hasMessageContaining("\"time\"");
    assertThatThrownBy(() -> VersionMetadata.fromJson(sample().toJson().replace("rpi\"", "../x\"")))
        .isInstanceOf(JsonException.class)
        .hasMessageContaining("invalid host name");
  }

  @Test
  void aBootRecordRoundTripsAndAnOlderVersionWithoutOneReadsAsUnknown() throws JsonException {
    BootRecord notReady =
        new BootRecord(
            false,
            List.of("missing boot/vmlinuz-rpi (named in config.txt)"),
            List.of("needs a password at the console to boot (encrypted apkovl, aes-256-cbc)"),
            null);
    VersionMetadata withBoot = sample().withBoot(notReady);
    assertThat(VersionMetadata.fromJson(withBoot.toJson())).isEqualTo(withBoot);
    BootRecord ready = new BootRecord(true, List.of(), List.of(), List.of("alpine-base", "chrony"));
    assertThat(VersionMetadata.fromJson(sample().withBoot(ready).toJson()).boot()).isEqualTo(ready);

    assertThat(sample().toJson()).doesNotContain("\"boot\"");
    assertThat(VersionMetadata.fromJson(sample().toJson()).boot()).isNull();
  }

  @Test
  void aBootRecordIsReadyExactlyWhenNothingStandsAgainstIt() {
    assertThatThrownBy(() -> new BootRecord(true, List.of("missing x"), List.of(), null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new BootRecord(false, List.of(), List.of(), null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new BootRecord(false, List.of("two\nlines"), List.of(), null))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
