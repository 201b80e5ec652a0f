package dev.lbuvault.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Cli.Result;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Exit 2 means a command-line mistake and nothing else; every message is one line. */
class ExitCodeHonestyTest {
  @TempDir Path tmp;
  Path card;
  String repo;

  @BeforeEach
  void setUp() throws Exception {
    card = Cards.make(tmp.resolve("card"));
    repo = tmp.resolve("repo").toString();
    assertThat(Cli.run("init", "--repo", repo).exitCode()).isZero();
  }

  @Test
  void aHugeDurationIsAUsageErrorNamingTheOptionAndTheMaximum() {
    for (String[] args :
        new String[][] {
          {"backup", "--repo", repo, "--source", card.toString(), "--lock-wait", "999999999999d"},
          {"backup", "--repo", repo, "--source", card.toString(), "--lock-wait", "367d"},
          {"prune", "--repo", repo, "--lock-wait", "99999999999999999999s"},
          {"prune", "--repo", repo, "--keep-within", "999999999999999y"},
        }) {
      Result r = Cli.run(args);
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.USAGE);
      assertThat(r.err()).as(r.toString()).doesNotContain("internal error").contains("--");
      assertThat(r.err().lines()).as(r.toString()).hasSize(2);
    }
    Result lockWait =
        Cli.run(
            "backup", "--repo", repo, "--source", card.toString(), "--lock-wait", "999999999999d");
    assertThat(lockWait.err()).contains("--lock-wait").contains("longer than the maximum 366d");
  }

  @Test
  void aRepositoryMarkerNested100000DeepIsOneLineNamingTheFile() throws Exception {
    Path marker = Path.of(repo, "lbuvault.json");
    Files.writeString(marker, "[".repeat(100_000) + "]".repeat(100_000));
    Result r = Cli.run("list", "--repo", repo);
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err().lines()).as(r.toString()).hasSize(1);
    assertThat(r.err()).contains(marker + " is damaged").contains("nested more than");
  }

  @Test
  void anErrorInACommandIsOneInternalErrorLineAndExitOne() {
    CommandLine cmd = Main.commandLine();
    cmd.addSubcommand(new Overflowing());
    StringWriter err = new StringWriter();
    cmd.setErr(new PrintWriter(err, true));
    cmd.setOut(new PrintWriter(new StringWriter(), true));
    int code = Main.execute(cmd, new String[] {"overflow"});
    assertThat(code).isEqualTo(ExitCodes.FAILURE);
    assertThat(err.toString().lines()).hasSize(1);
    assertThat(err.toString()).startsWith("lbuvault: internal error: java.lang.StackOverflowError");
  }

  @Test
  void aSizeNoCardLayoutCanHoldIsRefusedAtPlanTimeAndNothingIsWritten() throws Exception {
    assertThat(Cli.run("backup", "--repo", repo, "--source", card.toString()).exitCode()).isZero();
    for (String size : new String[] {"3T", "9M"}) {
      Path img = tmp.resolve("card-" + size + ".img");
      Result r =
          Cli.run("recover", "--repo", repo, "--to", img.toString(), "--size", size, "--yes");
      assertThat(r.exitCode()).as(size + "\n" + r).isEqualTo(ExitCodes.UNSAFE);
      assertThat(r.err()).as(r.toString()).hasLineCount(1).doesNotContain("internal error");
      assertThat(img).doesNotExist();
      assertThat(Files.list(tmp).filter(p -> p.getFileName().toString().contains(size)))
          .as("temporaries left for " + size)
          .isEmpty();
    }
  }

  @Test
  void anIllegalArgumentFromInsideACommandIsAnInternalErrorNotAUsageError() {
    CommandLine cmd = Main.commandLine();
    cmd.addSubcommand(new BrokenInvariant());
    StringWriter err = new StringWriter();
    cmd.setErr(new PrintWriter(err, true));
    cmd.setOut(new PrintWriter(new StringWriter(), true));
    int code = Main.execute(cmd, new String[] {"broken"});
    assertThat(code).isEqualTo(ExitCodes.FAILURE);
    assertThat(err.toString().lines()).hasSize(1);
    assertThat(err.toString())
        .startsWith("lbuvault: internal error: java.lang.IllegalArgumentException: offset -1")
        .contains("report it");
  }

  @Test
  void aNameWithControlCharactersIsPrintedOnOneLine() {
    Path odd = tmp.resolve("not\na\rrepo\u0085\u2028x\u001b[2J");
    Result r = Cli.run("list", "--repo", odd.toString());
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err()).as(r.toString()).hasLineCount(1);
    assertThat(r.err()).contains("not\\na\\rrepo\\x85\\u2028x\\x1b[2J").doesNotContain("\u001b");
  }

  @Test
  void helpWorksOnEveryCommandWhateverElseIsOnTheLine() {
    for (String name : Main.commandLine().getSubcommands().keySet()) {
      for (String[] args :
          new String[][] {
            {name, "--help"},
            {name, "--help", "--to", "x"},
            {name, "--bogus", "--help"},
            {name, "-h", "--repo"},
          }) {
        Result r = Cli.run(args);
        assertThat(r.exitCode()).as(String.join(" ", args) + "\n" + r).isZero();
        assertThat(r.out()).as(String.join(" ", args)).startsWith("Usage: lbuvault " + name);
        assertThat(r.err()).as(String.join(" ", args)).isEmpty();
      }
    }
    Result afterTerminator = Cli.run("list", "--bogus", "--", "--help");
    assertThat(afterTerminator.exitCode()).isEqualTo(ExitCodes.USAGE);
  }

  @Test
  void everyMalformedOptionValueIsAUsageErrorNamingTheOption() throws Exception {
    assertThat(Cli.run("backup", "--repo", repo, "--source", card.toString()).exitCode()).isZero();
    String src = card.toString();
    Path img = tmp.resolve("card.img");
    SoftAssertions soft = new SoftAssertions();
    for (String[][] c :
        new String[][][] {
          {{"--host"}, {"backup", "--repo", repo, "--source", src, "--host", "bad/host"}},
          {{"--host"}, {"list", "--repo", repo, "--host", "-x"}},
          {{"--host"}, {"list", "--repo", repo, "--host", "x".repeat(64)}},
          {{"--host"}, {"verify", "--repo", repo, "--host", "a b"}},
          {{"--host"}, {"prune", "--repo", repo, "--host", "..", "--keep-last", "1"}},
          {{"--host"}, {"show", "--repo", repo, "--host", "bad/host", "latest"}},
          {{"--host"}, {"diff", "--repo", repo, "--host", "bad/host"}},
          {{"--host"}, {"recover", "--repo", repo, "--host", "bad/host", "--to", img.toString()}},
          {{"--size"}, {"recover", "--repo", repo, "--to", img.toString(), "--size", "12Q"}},
          {{"--size"}, {"recover", "--repo", repo, "--to", img.toString(), "--size", "-5M"}},
          {{"--size"}, {"recover", "--repo", repo, "--to", img.toString(), "--size", "1K"}},
          {
            {"--volume-id"},
            {"recover", "--repo", repo, "--to", img.toString(), "--volume-id", "ZZZZ"}
          },
          {
            {"--label"},
            {"recover", "--repo", repo, "--to", img.toString(), "--label", "MUCH TOO LONG LABEL"}
          },
          {
            {"--apkovl"},
            {"backup", "--repo", repo, "--source", src, "--apkovl", "../x.apkovl.tar.gz"}
          },
          {{"--keep-last"}, {"prune", "--repo", repo, "--keep-last", "-1"}},
          {{"--threads"}, {"verify", "--repo", repo, "--threads", "0"}},
          {{"--backend"}, {"init", "--repo", tmp.resolve("r2").toString(), "--backend", "zfs"}},
        }) {
      Result r = Cli.run(c[1]);
      String line = String.join(" ", c[1]) + "\n" + r;
      soft.assertThat(r.exitCode()).as(line).isEqualTo(ExitCodes.USAGE);
      soft.assertThat(r.err()).as(line).doesNotContain("internal error").contains(c[0][0]);
      soft.assertThat(r.err().lines()).as(line).hasSize(2);
    }
    soft.assertAll();
  }

  /** A command whose own invariant fails, as a layout computing a negative offset would. */
  @Command(name = "broken")
  static final class BrokenInvariant implements Callable<Integer> {
    @Override
    public Integer call() {
      throw new IllegalArgumentException("offset -1");
    }
  }

  /** A command that fails with an Error, as a parser recursing without bound would. */
  @Command(name = "overflow")
  static final class Overflowing implements Callable<Integer> {
    @Override
    public Integer call() {
      throw new StackOverflowError();
    }
  }
}
