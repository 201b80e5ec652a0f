package dev.lbuvault.prune;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Cli.Result;
import dev.lbuvault.testing.CliProcess;
import dev.lbuvault.testing.Waits;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prune racing a real reader: a {@code verify} in its own JVM (interpreted, so that it reads for
 * seconds) holds its shared lock on the version it reads; prune skips that version and says so, or
 * with {@code --lock-wait} waits for the reader and removes it afterwards. The reader's lock is
 * observed in the kernel's {@code /proc/locks}, not assumed.
 */
class ReadersVersusPruneTest {
  private static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir Path tmp;

  private String repo;
  private Path card;
  private List<Path> versions;

  private void twoVersions() throws Exception {
    card = Cards.make(tmp.resolve("card"));
    byte[] big = new byte[6 << 20];
    new Random(7).nextBytes(big);
    Files.write(card.resolve("cache/big.bin"), big);
    repo = tmp.resolve("repo").toString();
    assertThat(Cli.run("init", "--repo", repo, "--backend", "plain").exitCode()).isZero();
    assertThat(Cli.run("backup", "--repo", repo, "--source", card.toString()).exitCode()).isZero();
    Cards.apkovl(card.resolve("rpi.apkovl.tar.gz"), "rpi", 77);
    assertThat(Cli.run("backup", "--repo", repo, "--source", card.toString()).exitCode()).isZero();
    try (var s = Files.list(Path.of(repo, "hosts/rpi/versions"))) {
      versions = s.sorted().toList();
    }
    assertThat(versions).hasSize(2);
  }

  /** Starts a slow verify of the older version and waits until the kernel shows its read lock. */
  private Process slowVerifyHoldingTheOldVersion(Path log) throws Exception {
    Process p =
        CliProcess.start(
            log,
            List.of("-Xint"),
            List.of("verify", "--repo", repo, "--threads", "1", name(versions.get(0))));
    Path lockFile = Path.of(repo, "hosts/rpi/readers.lock");
    Waits.until(WAIT, "the reader's shared lock in /proc/locks", () -> readLockOf(p, lockFile));
    return p;
  }

  private static boolean readLockOf(Process p, Path lockFile) throws Exception {
    if (!Files.exists(lockFile)) {
      return false;
    }
    long inode = (Long) Files.getAttribute(lockFile, "unix:ino");
    return Files.readAllLines(Path.of("/proc/locks"), StandardCharsets.UTF_8).stream()
        .anyMatch(
            l ->
                l.contains(" READ ")
                    && l.contains(" " + p.pid() + " ")
                    && l.contains(":" + inode + " "));
  }

  @Test
  void pruneSkipsAVersionAVerifyIsReadingAndSaysSo() throws Exception {
    twoVersions();
    Path log = tmp.resolve("verify.log");
    Process verify = slowVerifyHoldingTheOldVersion(log);
    try {
      Result prune = Cli.run("prune", "--repo", repo, "--keep-last", "1");
      assertThat(prune.exitCode()).as(prune.toString()).isZero();
      assertThat(prune.out())
          .contains("skipped      " + name(versions.get(0)))
          .contains("removed 0 of 2 versions")
          .contains("skipped 1 being read");
      assertThat(versions.get(0)).isDirectory();
      assertThat(verify.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      assertThat(verify.exitValue()).as(Files.readString(log)).isZero();
      assertThat(Files.readString(log)).contains("verified 1 version of host rpi").contains(": OK");
    } finally {
      verify.destroyForcibly();
    }
    Result again = Cli.run("prune", "--repo", repo, "--keep-last", "1");
    assertThat(again.out()).contains("removed 1 of 2 versions");
    assertThat(versions.get(0)).doesNotExist();
  }

  @Test
  void pruneWithLockWaitRemovesTheVersionOnlyAfterTheReaderIsDone() throws Exception {
    twoVersions();
    Path log = tmp.resolve("verify.log");
    Process verify = slowVerifyHoldingTheOldVersion(log);
    try {
      CompletableFuture<Result> prune =
          CompletableFuture.supplyAsync(
              () -> Cli.run("prune", "--repo", repo, "--keep-last", "1", "--lock-wait", "5m"));
      Thread.sleep(1500);
      assertThat(readLockOf(verify, Path.of(repo, "hosts/rpi/readers.lock")))
          .as("the reader is still reading (interpreted SHA-256 of 10 MiB)")
          .isTrue();
      assertThat(prune).as("prune waits while the reader holds the version").isNotDone();
      assertThat(versions.get(0)).isDirectory();
      assertThat(verify.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      assertThat(verify.exitValue()).as(Files.readString(log)).isZero();
      Result done = prune.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(done.out()).as(done.toString()).contains("removed 1 of 2 versions");
      assertThat(versions.get(0)).doesNotExist();
    } finally {
      verify.destroyForcibly();
    }
  }

  private static String name(Path version) {
    return version.getFileName().toString();
  }
}
