package dev.lbuvault.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The classifier against the exact lines OpenSSH's client ends with (sshconnect2.c, sshconnect.c),
 * and against far-side output that merely contains their words. The real ssh cases are in
 * ReplicateSshExitCodesTest.
 */
class SshFailureTest {
  @Test
  void sshsOwnRefusalEndsTheOutputInBothOpensshShapes() {
    assertThat(
            SshFailure.of(
                "Warning: Permanently added '[127.0.0.1]:2222' (ED25519) to the list of known"
                    + " hosts.\nroot@127.0.0.1: Permission denied (publickey).\n"))
        .isEqualTo(SshFailure.LOGIN_REFUSED);
    assertThat(SshFailure.of("Permission denied (publickey,password).\n"))
        .isEqualTo(SshFailure.LOGIN_REFUSED);
  }

  @Test
  void aHostKeyFailureEndsWithSshsVerificationLine() {
    assertThat(
            SshFailure.of(
                "No ED25519 host key is known for [127.0.0.1]:2222 and you have requested strict"
                    + " checking.\nHost key verification failed.\n"))
        .isEqualTo(SshFailure.HOST_KEY);
  }

  @Test
  void farSideOutputWithTheSameWordsBeforeACutConnectionIsAConnectionFailure() {
    assertThat(
            SshFailure.of(
                "tar: ./cache/secret: Cannot open: Permission denied\n"
                    + "Connection to 127.0.0.1 closed by remote host.\n"))
        .isEqualTo(SshFailure.CONNECTION);
    assertThat(SshFailure.of("lbuvault: cannot write /srv/offsite/x: Permission denied\n"))
        .isEqualTo(SshFailure.CONNECTION);
    assertThat(SshFailure.of("ERROR: Permission denied (publickey). was logged by the far side"))
        .isEqualTo(SshFailure.CONNECTION);
    assertThat(SshFailure.of("sh: Host key verification failed. appears in a far log line"))
        .isEqualTo(SshFailure.CONNECTION);
  }
}
