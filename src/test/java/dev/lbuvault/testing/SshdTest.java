package dev.lbuvault.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real-sshd harness does what ssh tests rely on: real logins, real refusals, clean teardown.
 */
class SshdTest {
  @Test
  void anAuthorizedKeyRunsCommandsWithTheHostKeyCheckedStrictly() throws Exception {
    try (Sshd sshd = Sshd.start()) {
      sshd.authorize();

      Commands.Output ok = Commands.run(null, sshd.sshCommand(sshd.identity(), "true"));
      Commands.Output sum = Commands.run(null, sshd.sshCommand(sshd.identity(), "echo $((6*7))"));

      assertThat(ok.exitCode()).as(ok.stderr()).isZero();
      assertThat(sum.stdout().strip()).isEqualTo("42");
      assertThat(sshd.log()).contains("Accepted publickey for " + sshd.user());
    }
  }

  @Test
  void aKeyRestrictedToOneCommandCannotRunAnother(@TempDir Path tmp) throws Exception {
    try (Sshd sshd = Sshd.start()) {
      Path restricted = sshd.newIdentity("restricted");
      sshd.authorizeForcedCommand(restricted, "echo forced: $SSH_ORIGINAL_COMMAND");
      Path marker = tmp.resolve("marker");

      Commands.Output out =
          Commands.run(null, sshd.sshCommand(restricted, "touch", marker.toString()));

      assertThat(out.exitCode()).as(out.stderr()).isZero();
      assertThat(out.stdout().strip()).isEqualTo("forced: touch " + marker);
      assertThat(marker).doesNotExist();
    }
  }

  @Test
  void aKeyNotAuthorizedIsRefused() throws Exception {
    try (Sshd sshd = Sshd.start()) {
      sshd.authorize();
      Path stranger = sshd.newIdentity("stranger");

      Commands.Output out = Commands.run(null, sshd.sshCommand(stranger, "true"));

      assertThat(out.exitCode()).isEqualTo(255);
      assertThat(out.stderr()).contains("Permission denied");
    }
  }

  @Test
  void anUnknownHostKeyIsRefusedSoTheKnownHostsFileIsWhatLetsTestsIn(@TempDir Path tmp)
      throws Exception {
    try (Sshd sshd = Sshd.start()) {
      sshd.authorize();
      Path empty = Files.createFile(tmp.resolve("known_hosts"));
      List<String> cmd = new ArrayList<>(sshd.sshCommand(sshd.identity(), "true"));
      cmd.set(
          cmd.indexOf("UserKnownHostsFile=" + sshd.knownHosts()), "UserKnownHostsFile=" + empty);

      Commands.Output out = Commands.run(null, cmd);

      assertThat(out.exitCode()).isEqualTo(255);
      assertThat(out.stderr()).contains("Host key verification failed");
    }
  }

  @Test
  void closingStopsTheServerAndDeletesItsKeys() throws Exception {
    Sshd sshd = Sshd.start();
    Path dir = sshd.directory();
    int port = sshd.port();
    assertThat(dir.resolve("id_ed25519")).exists();

    sshd.close();

    assertThat(sshd.isRunning()).isFalse();
    assertThat(dir).doesNotExist();
    boolean refused;
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      refused = false;
    } catch (ConnectException e) {
      refused = true;
    }
    assertThat(refused).as("nothing listens on port " + port + " any more").isTrue();
  }
}
