package dev.lbuvault.archive;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ApkovlNameTest {
  @ParameterizedTest
  @CsvSource(
      nullValues = "null",
      value = {
        "rpi.apkovl.tar.gz, rpi, null",
        "rpi.apkovl.tar.gz.aes-256-cbc, rpi, aes-256-cbc",
        "my.host.apkovl.tar.gz.des3, my.host, des3",
        "rpi.apkovl.tar.gz.ChaCha20, rpi, ChaCha20"
      })
  void apkovlNamesYieldTheirHostAndCipher(String name, String host, String cipher) {
    assertThat(ApkovlName.isApkovl(name)).isTrue();
    assertThat(ApkovlName.isInProgress(name)).isFalse();
    assertThat(ApkovlName.hostOf(name)).contains(host);
    assertThat(ApkovlName.cipherOf(name)).isEqualTo(java.util.Optional.ofNullable(cipher));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "rpi.20240102030405.tar.gz",
        "rpi.20240102030405.tar.gz.aes-256-cbc",
        "rpi.apkovl.tar.gz.new",
        "rpi.apkovl.tar.gz.aes-256-cbc.new",
        ".apkovl.tar.gz",
        "rpi.apkovl.tar",
        "rpi.apkovl.tar.gz.",
        "rpi.apkovl.tar.gz.aes_256",
        "dir/rpi.apkovl.tar.gz",
        "config.txt"
      })
  void otherNamesAreNotApkovls(String name) {
    assertThat(ApkovlName.isApkovl(name)).isFalse();
  }

  @ParameterizedTest
  @CsvSource(
      nullValues = "null",
      value = {
        "rpi.apkovl.tar.gz.new, rpi, null",
        "rpi.apkovl.tar.gz.aes-256-cbc.new, rpi, aes-256-cbc"
      })
  void lbusHalfCopiedFileIsInProgressAndStillNamesItsHost(String name, String host, String cipher) {
    assertThat(ApkovlName.isInProgress(name)).isTrue();
    assertThat(ApkovlName.hostOf(name)).contains(host);
    assertThat(ApkovlName.cipherOf(name)).isEqualTo(java.util.Optional.ofNullable(cipher));
  }

  @ParameterizedTest
  @ValueSource(strings = {"config.txt.new", "rpi.apkovl.tar.gz", "new"})
  void onlyAnApkovlNameFollowedByNewIsInProgress(String name) {
    assertThat(ApkovlName.isInProgress(name)).isFalse();
    assertThat(ApkovlName.hostOf("config.txt.new")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "rpi.apkovl.tar.gz",
        "rpi.apkovl.tar.gz~",
        "rpi.apkovl.tar.gz.old.1",
        "rpi.apkovl.tar.gz.aes-256-cbc.bak",
        ".apkovl.tar.gz",
        "rpi.apkovl.tar.gz.new",
        "a b.apkovl.tar.gzip"
      })
  void everyNameTheInitramfsGlobMatchesIsABootCandidate(String name) {
    assertThat(ApkovlName.matchesBootGlob(name)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"rpi.20260101120000.tar.gz", "rpi.apkovl.tgz", "apkovl.tar.gz", "x"})
  void namesOutsideTheInitramfsGlobAreNotBootCandidates(String name) {
    assertThat(ApkovlName.matchesBootGlob(name)).isFalse();
  }
}
