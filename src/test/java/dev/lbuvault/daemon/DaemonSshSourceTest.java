package dev.lbuvault.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Sshd;
import dev.lbuvault.testing.Waits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A daemon whose source is {@code ssh://...} pulls the card from a real OpenSSH server on 127.0.0.1
 * with the configured {@code ssh.identity} and {@code ssh.options}, both inside the daemon and in a
 * child JVM (as the packaged daemon runs backups), and what it stores passes {@code sha256sum -c}.
 */
class DaemonSshSourceTest {
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final String H = "host=\"rpi\"";

  @TempDir Path tmp;

  private DaemonHarness over(Sshd sshd) throws Exception {
    DaemonHarness d = new DaemonHarness(tmp);
    return d.set("source", sshd.url(d.card.toString()))
        .set("host", "rpi")
        .set("rescan", "1h")
        .set("ssh.identity", sshd.identity().toString())
        .set("ssh.options", String.join(" ", sshd.sshOptions()));
  }

  @Test
  void theDaemonPullsAnSshSourceAtStartupWithItsKeyAndOptions() throws Exception {
    try (Sshd sshd = Sshd.start()) {
      sshd.authorize();
      try (DaemonHarness d = over(sshd).start()) {
        Waits.until(WAIT, "the first version", () -> d.versions().size() == 1);
        Waits.until(WAIT, "its metrics", () -> d.value("lbuvault_versions", H) == 1);
        Commands.check(d.versions().get(0), "sha256sum", "--strict", "-c", "SHA256SUMS");
        assertThat(d.value("lbuvault_source_up", H)).isEqualTo(1);
      }
    }
  }

  @Test
  void aChildJvmBackupGetsTheSameKeyAndOptions() throws Exception {
    try (Sshd sshd = Sshd.start()) {
      sshd.authorize();
      try (DaemonHarness d = over(sshd).backupsIn(ChildBackupTest.lbuvault()).start()) {
        Waits.until(WAIT, "the first version", () -> d.versions().size() == 1);
        Commands.check(d.versions().get(0), "sha256sum", "--strict", "-c", "SHA256SUMS");
        assertThat(sshd.log()).contains("Accepted publickey");
      }
    }
  }

  @Test
  void aKeyTheServerRefusesCountsAsAFailedRunNamingTheHost() throws Exception {
    try (Sshd sshd = Sshd.start()) {
      // no authorize(): the daemon's key is unknown to the server
      try (DaemonHarness d = over(sshd).start()) {
        Waits.until(
            WAIT,
            "a failed run",
            () -> d.value("lbuvault_backup_last_attempt_timestamp_seconds", H) > 0);
        assertThat(d.versions()).isEmpty();
        assertThat(d.value("lbuvault_backup_last_success_timestamp_seconds", H)).isZero();
        assertThat(List.of(d.value("lbuvault_source_up", H))).containsExactly(0.0);
      }
    }
  }
}
