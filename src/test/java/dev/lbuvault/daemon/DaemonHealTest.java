package dev.lbuvault.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.Waits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon heals by itself: a verify that finds a damaged shared file runs the heal backup. */
class DaemonHealTest {
  private static final String H = "host=\"rpi\"";
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path tmp;

  @Test
  void aVerifyThatFindsDamageStoresAFreshCopyFromTheCardWithoutWaitingForTheNextBackup()
      throws Exception {
    try (DaemonHarness d =
        new DaemonHarness(tmp)
            .set("verify.schedule", "0/2 * * * * ?")
            .set("rescan", "1h")
            .start()) {
      Waits.until(
          WAIT,
          "a clean verify",
          () -> d.value("lbuvault_verify_last_success_timestamp_seconds", H) > 0);
      assertThat(d.versions()).hasSize(1);
      Path damaged = d.versions().get(0).resolve("card/boot/vmlinuz-rpi");
      Object inode = Files.getAttribute(damaged, "unix:ino");
      FileTime mtime = Files.getLastModifiedTime(damaged);
      byte[] bytes = Files.readAllBytes(damaged);
      bytes[7] ^= 0x10;
      Files.write(damaged, bytes);
      Files.setLastModifiedTime(damaged, mtime);

      Waits.until(WAIT, "the heal backup", () -> d.versions().size() == 2);
      Path fresh = d.versions().get(1).resolve("card/boot/vmlinuz-rpi");
      assertThat(Files.getAttribute(fresh, "unix:ino")).isNotEqualTo(inode);
      assertThat(Files.readAllBytes(fresh))
          .isEqualTo(Files.readAllBytes(d.card.resolve("boot/vmlinuz-rpi")));
      Waits.until(
          WAIT, "the damaged version counted", () -> d.value("lbuvault_versions_damaged", H) == 1);
      Thread.sleep(5000);
      assertThat(d.versions()).as("no endless re-healing").hasSize(2);
    }
  }
}
