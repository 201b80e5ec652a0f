package dev.lbuvault.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SshUrlTest {
  @Test
  void aFullUrlGivesUserHostPortAndPath() {
    SshUrl url = SshUrl.parse("ssh://root@pi2:2222/media/mmcblk0p1");

    assertThat(url.user()).contains("root");
    assertThat(url.host()).isEqualTo("pi2");
    assertThat(url.port()).hasValue(2222);
    assertThat(url.path()).isEqualTo("/media/mmcblk0p1");
    assertThat(url).hasToString("ssh://root@pi2:2222/media/mmcblk0p1");
  }

  @Test
  void userAndPortAreOptional() {
    SshUrl url = SshUrl.parse("ssh://pi2.lan/media/mmc blk");

    assertThat(url.user()).isEmpty();
    assertThat(url.port()).isEmpty();
    assertThat(url.path()).isEqualTo("/media/mmc blk");
    assertThat(url.destination()).isEqualTo("pi2.lan");
  }

  @Test
  void anIpv6AddressIsWrittenInBracketsAndStoredWithout() {
    SshUrl url = SshUrl.parse("ssh://backup@[fe80::1]:22/srv");

    assertThat(url.host()).isEqualTo("fe80::1");
    assertThat(url.destination()).isEqualTo("backup@[fe80::1]");
    assertThat(url).hasToString("ssh://backup@[fe80::1]:22/srv");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ssh://-oProxyCommand=touch%20x/srv",
        "ssh://host",
        "ssh://host:0/srv",
        "ssh://host:65536/srv",
        "ssh://host:22x/srv",
        "ssh://-l@host/srv",
        "ssh://us er@host/srv",
        "ssh:///srv",
        "ssh://host/srv\nrm",
        "ssh://a;b/srv",
        "ssh://user@@host/srv",
        "sftp://host/srv"
      })
  void aUrlThatCouldReachSshAsAnOptionOrIsIncompleteIsRefused(String text) {
    assertThatThrownBy(() -> SshUrl.parse(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aMistakeIsNamedInTheMessage() {
    assertThatThrownBy(() -> SshUrl.parse("ssh://pi2:99999/media"))
        .hasMessage("ssh port must be 1-65535, got 99999");
    assertThatThrownBy(() -> SshUrl.parse("ssh://pi2"))
        .hasMessageContaining("names no path")
        .hasMessageContaining("ssh://[user@]host[:port]/absolute/path");
  }

  @Test
  void onlyTheSshSchemeLooksLikeSsh() {
    assertThat(SshUrl.looksLikeSsh("ssh://pi2/media")).isTrue();
    assertThat(SshUrl.looksLikeSsh("/media/ssh://x")).isFalse();
  }

  @Test
  void theRecordItselfRefusesARelativePath() {
    assertThatThrownBy(
            () -> new SshUrl(Optional.empty(), "pi2", OptionalInt.empty(), "media/mmcblk0p1"))
        .hasMessageContaining("absolute");
  }
}
