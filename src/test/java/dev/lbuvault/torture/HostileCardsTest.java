package dev.lbuvault.torture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.cli.ExitCodes;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.CliProcess;
import dev.lbuvault.testing.Commands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 12: hostile card shapes (issue 9 #1-#8), each backed up by a real {@code lbuvault
 * backup} in a child JVM with a 64 MiB heap: the card is stored (with a warning naming what could
 * not be) and verifies, or refused with one clean line and the documented exit code.
 */
class HostileCardsTest {
  private static final String CHECKED =
      "backup in a child JVM at -Xmx64m of: a file that became a directory and back (--rehash"
          + " too); a Latin-1 name; card files named like lbuvault's temporaries; stray"
          + " *.apkovl.tar.gz* leftovers and a non-apkovl .new; a symlinked --source: stored,"
          + " warned where a name cannot be kept, verify exit 0. A repository inside the source and"
          + " host names from bad apkovl file names: exit 1, one clean line naming --host or both"
          + " paths, nothing stored";

  @TempDir Path tmp;

  private record Run(int exitCode, String log) {}

  private Run backup(Path repo, Path source, String... extra) throws Exception {
    Path log = Files.createTempFile(tmp, "backup", ".log");
    List<String> args =
        new java.util.ArrayList<>(
            List.of("backup", "--repo", repo.toString(), "--source", source.toString()));
    args.addAll(List.of(extra));
    Process p = CliProcess.start(log, List.of("-Xmx64m"), args);
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    return new Run(p.exitValue(), Torture.log(log));
  }

  private void touch(Path file, int seconds) throws Exception {
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(seconds)));
  }

  @Test
  void everyHostileCardShapeIsStoredOrRefusedInOneLine() throws Exception {
    try (Torture.Scenario s =
        Torture.scenario("12. hostile inputs: card shapes", "plain, child JVM -Xmx64m", CHECKED)) {
      Path card = Cards.make(tmp.resolve("card"));
      Path repo = tmp.resolve("repo");
      assertThat(Cli.run("init", "--repo", repo.toString(), "--backend", "plain").exitCode())
          .isZero();
      assertThat(backup(repo, card).exitCode()).isZero();

      // A file becomes a directory, then the directory a file again.
      Path usercfg = card.resolve("usercfg.txt");
      Files.delete(usercfg);
      Files.createDirectories(usercfg);
      Files.writeString(usercfg.resolve("inner"), "x\n");
      storedAndValid(s, repo, card, "file -> directory");
      Commands.check(null, "rm", "-r", usercfg.toString());
      Files.writeString(usercfg, "# back to a file\n");
      storedAndValid(s, repo, card, "directory -> file", "--rehash");

      // A name that is not UTF-8, made by the shell from its bytes.
      Commands.check(card, "sh", "-c", "echo latin1 > \"caf$(printf '\\351').txt\"");
      Run latin1 = storedAndValid(s, repo, card, "Latin-1 name");
      assertThat(latin1.log()).contains("caf\\xE9.txt");
      Commands.check(card, "sh", "-c", "rm -f caf*.txt");

      // Names like lbuvault's own temporaries, leftovers the boot glob matches, a stray .new.
      Files.writeString(card.resolve(".lbuvault-tmp-0001"), "card data\n");
      Files.writeString(card.resolve("rpi.apkovl.tar.gz~"), "leftover\n");
      Files.writeString(card.resolve("notes.new"), "draft\n");
      touch(card.resolve("config.txt"), 5);
      Run odd = storedAndValid(s, repo, card, "temporary-like, boot-glob and .new names");
      assertThat(odd.log()).contains("rpi.apkovl.tar.gz~").contains("notes.new");

      // A symlink to the card as --source.
      Path link = Files.createSymbolicLink(tmp.resolve("media-link"), card);
      touch(card.resolve("config.txt"), 10);
      storedAndValid(s, repo, link, "symlinked --source");

      // Refusals: the repository inside the source; host names from bad apkovl names.
      Path inside = card.resolve("lbuvault-repo");
      assertThat(Cli.run("init", "--repo", inside.toString()).exitCode()).isZero();
      refused(s, backup(inside, card), "repository inside the source", "inside");
      Commands.check(null, "rm", "-r", inside.toString());
      for (String bad : List.of("a b.apkovl.tar.gz", "-rf.apkovl.tar.gz")) {
        Path other = Cards.make(tmp.resolve("card-" + s.trials()));
        Files.move(other.resolve("rpi.apkovl.tar.gz"), other.resolve(bad));
        refused(s, backup(repo, other), "host from " + bad, "--host");
      }
      Torture.assertValid(repo, "after the hostile cards");
      s.passed();
    }
  }

  private Run storedAndValid(Torture.Scenario s, Path repo, Path card, String what, String... extra)
      throws Exception {
    Run r = backup(repo, card, extra);
    assertThat(r.exitCode()).as(what + ": " + r.log()).isZero();
    assertThat(r.log()).as(what).containsAnyOf("stored version", "unchanged: the card matches");
    Cli.Result verify = Cli.run("verify", "--repo", repo.toString(), "latest");
    assertThat(verify.exitCode()).as(what + ": " + verify).isZero();
    s.trial();
    return r;
  }

  private void refused(Torture.Scenario s, Run r, String what, String mustName) {
    assertThat(r.exitCode()).as(what + ": " + r.log()).isEqualTo(ExitCodes.FAILURE);
    Torture.assertCleanMessage(r.log(), what);
    assertThat(r.log()).as(what).contains(mustName);
    s.trial();
  }
}
