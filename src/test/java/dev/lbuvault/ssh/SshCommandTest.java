package dev.lbuvault.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Sshd;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SshCommandTest {
  @Test
  void theCommandLineNeverPromptsAndEndsOptionsBeforeTheHost() {
    SshCommand cmd = SshCommand.of(SshUrl.parse("ssh://root@pi2:2222/media/mmcblk0p1"));

    List<String> argv = cmd.argv(List.of("tar", "-C", "/media/mmcblk0p1", "-cf", "-", "."));

    assertThat(argv).startsWith("ssh", "-T", "-o", "BatchMode=yes", "-p", "2222");
    assertThat(argv).containsSubsequence("-l", "root", "--", "pi2", "tar", "-C");
    assertThat(argv).endsWith("tar", "-C", "/media/mmcblk0p1", "-cf", "-", ".");
  }

  @Test
  void theUsersOptionsComeBeforeTheDefaultsSoTheyWin() {
    SshCommand cmd =
        new SshCommand(
            SshUrl.parse("ssh://pi2/x"), Optional.empty(), List.of("ConnectTimeout=120"));

    List<String> argv = cmd.argv(List.of("true"));

    assertThat(argv.indexOf("ConnectTimeout=120")).isLessThan(argv.indexOf("ConnectTimeout=20"));
  }

  @Test
  void batchModeAndMalformedOptionsAreRefused() {
    SshUrl url = SshUrl.parse("ssh://pi2/x");
    assertThatThrownBy(() -> new SshCommand(url, Optional.empty(), List.of("batchmode=no")))
        .hasMessageContaining("never waits for a prompt");
    assertThatThrownBy(() -> new SshCommand(url, Optional.empty(), List.of("-oProxyCommand=x")))
        .hasMessageContaining("Name=value");
  }

  @Test
  void wordsAreQuotedForThePosixShell() {
    assertThat(SshCommand.quote("/media/mmcblk0p1")).isEqualTo("/media/mmcblk0p1");
    assertThat(SshCommand.quote("a b")).isEqualTo("'a b'");
    assertThat(SshCommand.quote("it's")).isEqualTo("'it'\\''s'");
    assertThat(SshCommand.quote("")).isEqualTo("''");
    assertThat(SshCommand.quote("FOO=bar")).isEqualTo("'FOO=bar'");
  }

  @Test
  void oddWordsReachTheRemoteCommandIntactThroughARealSshd() throws Exception {
    try (Sshd sshd = Sshd.start()) {
      sshd.authorize();
      SshCommand cmd =
          new SshCommand(
              SshUrl.parse(sshd.url("/tmp")), Optional.of(sshd.identity()), sshd.sshOptions());
      List<String> words = List.of("it's", "a b", "$HOME", "`id`", "x;y", "*", "");

      List<String> argv = new java.util.ArrayList<>(List.of("printf", "<%s>\\n"));
      argv.addAll(words);
      Commands.Output out = Commands.run(null, cmd.argv(argv));

      assertThat(out.exitCode()).as(out.stderr()).isZero();
      assertThat(out.stdout()).isEqualTo("<it's>\n<a b>\n<$HOME>\n<`id`>\n<x;y>\n<*>\n<>\n");
    }
  }
}
