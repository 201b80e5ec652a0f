package dev.lbuvault.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Tools;
import dev.lbuvault.testing.Waits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The daemon's uncommitted-changes metrics on a real daemon: exported when {@code status.root} is
 * set, right after start and after each backup run (no 15-minute wait), and not at all without it;
 * the same whether the comparison runs in the daemon's JVM or as {@code lbuvault status --json} in
 * a child (then with the password file's path, never the password, on its command line).
 */
class DaemonUncommittedTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String H = "host=\"rpi\"";
  private static final String CHANGES = "lbuvault_uncommitted_changes";
  private static final String OLDEST = "lbuvault_uncommitted_oldest_change_timestamp_seconds";

  @TempDir Path tmp;

  private DaemonHarness daemon(boolean child) throws Exception {
    DaemonHarness d = new DaemonHarness(tmp);
    if (child) {
      d.backupsIn(List.of(DaemonHarness.recordingLauncher(tmp).toString()));
    }
    return d;
  }

  /** With children, the comparison ran as lbuvault status; else no child ran at all. */
  private void assertRanAsStatusChild(boolean child) throws Exception {
    List<String> calls = DaemonHarness.calls(tmp);
    if (child) {
      assertThat(calls).anyMatch(c -> c.startsWith("status --json --repo "));
    } else {
      assertThat(calls).isEmpty();
    }
  }

  @ParameterizedTest(name = "in a child: {0}")
  @ValueSource(booleans = {false, true})
  void theCountFollowsTheHostAfterEachBackupRun(boolean child) throws Exception {
    Path root = Files.createDirectories(tmp.resolve("root/etc"));
    Files.writeString(root.resolve("hostname"), "rpi\n");
    try (DaemonHarness d = daemon(child)) {
      commit(d, "etc/hostname");
      d.set("status.root", tmp.resolve("root").toString()).start();
      Waits.until(WAIT, "the first version", () -> d.versions().size() == 1);
      Waits.until(WAIT, "nothing uncommitted", () -> d.value(CHANGES, H) == 0);
      assertThat(d.value(OLDEST, H)).isZero();

      Instant before = Instant.now().minusSeconds(2);
      Files.writeString(root.resolve("motd"), "changed\n");
      Files.writeString(root.resolve("hostname"), "rpi-2\n");
      Instant after = Instant.now().plusSeconds(2);
      // Any backup run refreshes the count: here one that stores a new card file.
      Files.writeString(d.card.resolve("usercfg.txt"), "# touched\n");
      Waits.until(WAIT, "a second version", () -> d.versions().size() == 2);
      Waits.until(WAIT, "two uncommitted changes", () -> d.value(CHANGES, H) == 2);
      double oldest = d.value(OLDEST, H);
      assertThat(oldest)
          .isBetween((double) before.getEpochSecond(), (double) after.getEpochSecond());
    }
    assertRanAsStatusChild(child);
  }

  @ParameterizedTest(name = "in a child: {0}")
  @ValueSource(booleans = {false, true})
  void anEncryptedApkovlIsComparedWithTheDaemonsPasswordFile(boolean child) throws Exception {
    Path root = Files.createDirectories(tmp.resolve("root/etc"));
    Files.writeString(root.resolve("hostname"), "rpi\n");
    Path pw = tmp.resolve("apkovl.pw");
    Files.writeString(pw, "s3cret\n");
    Files.setPosixFilePermissions(
        pw, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    try (DaemonHarness d = daemon(child)) {
      commit(d, "etc/hostname");
      Path plain = d.card.resolve("rpi.apkovl.tar.gz");
      Commands.check(
          tmp,
          "openssl",
          "enc",
          "-aes-256-cbc",
          "-salt",
          "-pass",
          "file:" + pw,
          "-in",
          plain.toString(),
          "-out",
          d.card.resolve("rpi.apkovl.tar.gz.aes-256-cbc").toString());
      Files.delete(plain);
      d.set("status.root", tmp.resolve("root").toString())
          .set("password.file", pw.toString())
          .start();
      Waits.until(WAIT, "the first version", () -> d.versions().size() == 1);
      Waits.until(WAIT, "nothing uncommitted", () -> d.value(CHANGES, H) == 0);
      Files.writeString(root.resolve("motd"), "changed\n");
      Files.writeString(d.card.resolve("usercfg.txt"), "# touched\n");
      Waits.until(WAIT, "a second version", () -> d.versions().size() == 2);
      Waits.until(WAIT, "one uncommitted change", () -> d.value(CHANGES, H) == 1);
      assertThat(d.scrape()).doesNotContain("s3cret");
    }
    assertRanAsStatusChild(child);
    if (child) {
      assertThat(DaemonHarness.calls(tmp))
          .noneMatch(c -> c.contains("s3cret"))
          .anyMatch(c -> c.startsWith("status ") && c.contains("--password-file " + pw));
    }
  }

  @Test
  void withoutStatusRootNothingIsExported() throws Exception {
    try (DaemonHarness d = new DaemonHarness(tmp)) {
      d.start();
      Waits.until(WAIT, "the first version", () -> d.versions().size() == 1);
      Waits.until(WAIT, "its metrics", () -> d.value("lbuvault_versions", H) == 1);
      assertThat(d.scrape()).doesNotContain("lbuvault_uncommitted");
    }
  }

  /** Replaces the card's apkovl with one made by GNU tar from the root, as lbu commit does. */
  private void commit(DaemonHarness d, String members) throws Exception {
    Path out = tmp.resolve("made.apkovl.tar.gz");
    Commands.check(
        tmp.resolve("root"),
        Tools.require("tar").toString(),
        "-c",
        "--no-recursion",
        "-z",
        "-f",
        out.toString(),
        members);
    Files.move(out, d.card.resolve("rpi.apkovl.tar.gz"), StandardCopyOption.REPLACE_EXISTING);
  }
}
