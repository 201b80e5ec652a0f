package dev.lbuvault.repo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.json.JsonException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** version.json's record of an encrypted apkovl: what opened it, or why it was not verified. */
class EncryptedApkovlRecordTest {
  private static VersionMetadata with(ApkovlRecord apkovl) {
    VersionMetadata s = VersionMetadataTest.sample();
    return new VersionMetadata(
        s.id(),
        s.time(),
        s.host(),
        s.source(),
        s.toolVersion(),
        s.fileCount(),
        s.totalBytes(),
        apkovl,
        List.of(apkovl.name()),
        s.card(),
        s.warnings(),
        s.sumsSha256());
  }

  @Test
  void aDecryptedApkovlKeepsItsKeyDerivationThroughARoundTrip() throws JsonException {
    VersionMetadata m =
        with(
            new ApkovlRecord(
                "rpi.apkovl.tar.gz.aes-256-cbc",
                4096,
                "a".repeat(64),
                9,
                "aes-256-cbc",
                "md5",
                null));

    String json = m.toJson();

    assertThat(json).contains("\"keyDerivation\": \"md5\"").doesNotContain("notVerified");
    assertThat(VersionMetadata.fromJson(json)).isEqualTo(m);
    assertThat(m.apkovl().unverified()).isFalse();
  }

  @Test
  void anUnverifiedApkovlKeepsItsReasonThroughARoundTrip() throws JsonException {
    VersionMetadata m =
        with(
            new ApkovlRecord(
                "rpi.apkovl.tar.gz.aes-256-ctr",
                4099,
                "a".repeat(64),
                -1,
                "aes-256-ctr",
                null,
                "wrong password"));

    assertThat(VersionMetadata.fromJson(m.toJson())).isEqualTo(m);
    assertThat(m.apkovl().unverified()).isTrue();
  }

  @Test
  void anOlderVersionJsonWithoutTheNewFieldsStillReads() throws JsonException {
    String older =
        with(new ApkovlRecord(
                "rpi.apkovl.tar.gz.aes-256-cbc", 4096, "a".repeat(64), -1, "aes-256-cbc"))
            .toJson();
    assertThat(older).doesNotContain("keyDerivation").doesNotContain("notVerified");

    ApkovlRecord read = VersionMetadata.fromJson(older).apkovl();

    assertThat(read.cipher()).isEqualTo("aes-256-cbc");
    assertThat(read.keyDerivation()).isNull();
    assertThat(read.unverified()).isFalse();
  }
}
