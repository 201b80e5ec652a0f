package dev.lbuvault.torture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.cli.ExitCodes;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.CliProcess;
import dev.lbuvault.testing.Commands;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 6: bad apkovls. Every generated case ({@link BadApkovls}) is validated in one child JVM
 * with a 64 MiB heap, and a sample goes through the real CLI {@code backup} in its own 64 MiB child
 * JVM. Each must end in a clean result or a one-line error (never a crash or a stack trace),
 * hostile cases must be rejected, and nothing may be written outside the repository.
 */
class BadApkovlTest {
  private static final int CASES = Torture.trials("badApkovls", 264, 1320);
  private static final int CLI_SAMPLE = Torture.trials("badApkovlsCli", 11, 66);
  private static final String CHECKED =
      "every case validated in a child JVM with -Xmx64m: OK or one-line INVALID naming the file,"
          + " never a crash, out-of-memory or I/O error; '..', absolute names, outside hard links,"
          + " huge sizes/records, garbage and damaged gzip always rejected; 100,000 entries"
          + " accepted; a sample through the real CLI backup (child JVM, -Xmx64m): exit 0 or 1,"
          + " one clean 'lbuvault:' line, nothing stored on exit 1; nothing created outside the"
          + " repository (escape targets checked); verify exit 0";

  @TempDir Path tmp;

  @Test
  void everyBadApkovlGetsAClearErrorOrACleanResult() throws Exception {
    try (Torture.Scenario s =
        Torture.scenario("6. bad apkovls", "validator + CLI, -Xmx64m", CHECKED)) {
      Path escape = Path.of("/tmp", "lbuvault-torture-escape-" + UUID.randomUUID());
      BadApkovls generator = new BadApkovls(escape.toString(), Torture.FULL);
      Path cases = Files.createDirectories(tmp.resolve("cases"));
      Map<String, BadApkovls.Case> byName = new HashMap<>();
      for (int i = 0; i < CASES; i++) {
        BadApkovls.Case c = generator.make(i);
        Files.write(cases.resolve(c.fileName()), c.bytes());
        byName.put(c.fileName(), c);
      }

      // The bulk: one child JVM with a 64 MiB heap validates every case.
      Path log = tmp.resolve("validate.log");
      Process child =
          CliProcess.startCommand(
              log,
              List.of(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-Xmx64m",
                  "-cp",
                  System.getProperty("java.class.path"),
                  ValidateManyInChildJvm.class.getName(),
                  cases.toString()));
      assertThat(child.waitFor(30, TimeUnit.MINUTES)).isTrue();
      String output = Files.readString(log, StandardCharsets.UTF_8);
      assertThat(child.exitValue()).as(tail(output)).isZero();
      Map<String, Integer> verdicts = new TreeMap<>();
      long peakHeap = -1;
      int seen = 0;
      for (String line : output.lines().toList()) {
        String[] f = line.split("\t", 3);
        if (f[0].equals("PEAK")) {
          peakHeap = Long.parseLong(f[1]);
          continue;
        }
        assertThat(f).as(line).hasSize(3);
        BadApkovls.Case c = byName.get(f[1]);
        assertThat(c).as("unknown case in: " + line).isNotNull();
        seen++;
        String verdict = f[0];
        assertThat(verdict).as(c.category() + ": " + line).isIn("OK", "INVALID");
        if (verdict.equals("INVALID")) {
          assertThat(f[2]).as(line).startsWith(f[1] + ": ").doesNotContain("\\n");
        }
        if (c.expect() == BadApkovls.Expect.INVALID) {
          assertThat(verdict).as(c.category() + " must be rejected: " + line).isEqualTo("INVALID");
        } else if (c.expect() == BadApkovls.Expect.VALID) {
          assertThat(verdict).as(c.category() + " must be accepted: " + line).isEqualTo("OK");
        }
        verdicts.merge(c.category() + " " + verdict, 1, Integer::sum);
        s.trial();
      }
      assertThat(seen).as("every case was reported").isEqualTo(CASES);
      assertThat(peakHeap).as("peak heap of the child").isPositive().isLessThan(64L << 20);

      // A sample through the real CLI, each in its own JVM with a 64 MiB heap.
      List<BadApkovls.Case> sample = sample(generator);
      Path repo = tmp.resolve("vault/repo");
      assertThat(Cli.run("init", "--repo", repo.toString()).exitCode()).isZero();
      Path base = Cards.make(tmp.resolve("base-card"), "--no-boot-files");
      Files.delete(base.resolve("rpi.apkovl.tar.gz"));
      Map<String, Integer> cliOutcomes = new TreeMap<>();
      int n = 0;
      for (BadApkovls.Case c : sample) {
        Path card = tmp.resolve("cli-card-" + n);
        Commands.check(null, "cp", "-al", base.toString(), card.toString());
        String apkovlName =
            c.fileName().endsWith(".tar.gz")
                ? "rpi.apkovl.tar.gz"
                : "rpi.apkovl.tar.gz.aes-256-cbc";
        Files.write(card.resolve(apkovlName), c.bytes());
        List<Path> before = Torture.versions(repo, "rpi");
        Path cliLog = tmp.resolve("cli-" + n + ".log");
        Process p =
            CliProcess.start(
                cliLog,
                List.of("-Xmx64m"),
                List.of(
                    "backup",
                    "--repo",
                    repo.toString(),
                    "--source",
                    card.toString(),
                    "--host",
                    "rpi"));
        assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
        String out = Torture.log(cliLog);
        String when = "CLI backup of " + c.category() + " (" + c.fileName() + ")";
        assertThat(p.exitValue()).as(when + ": " + out).isIn(0, ExitCodes.FAILURE);
        if (p.exitValue() == ExitCodes.FAILURE) {
          Torture.assertCleanMessage(out, when);
          assertThat(out).as(when).contains(apkovlName);
          assertThat(Torture.versions(repo, "rpi")).as(when + ": nothing stored").isEqualTo(before);
        } else {
          assertThat(out).as(when).doesNotContain("\tat ").doesNotContain("internal error");
        }
        if (c.expect() == BadApkovls.Expect.INVALID) {
          assertThat(p.exitValue()).as(when + " must fail: " + out).isEqualTo(ExitCodes.FAILURE);
        }
        cliOutcomes.merge("exit " + p.exitValue(), 1, Integer::sum);
        n++;
        s.trial();
      }
      Torture.assertValid(repo, "after the CLI sample");

      // Nothing outside: no escape target, and the repository's parent holds only the repository.
      assertThat(escape).doesNotExist();
      try (Stream<Path> siblings = Files.list(escape.getParent())) {
        assertThat(siblings.map(p -> p.getFileName().toString()))
            .noneMatch(name -> name.startsWith(escape.getFileName().toString()));
      }
      try (Stream<Path> vault = Files.list(repo.getParent())) {
        assertThat(vault.toList()).containsExactly(repo);
      }
      try (Stream<Path> listed = Files.list(cases)) {
        assertThat(listed.count())
            .as("the validator wrote nothing beside the cases")
            .isEqualTo(CASES);
      }

      s.note(CASES + " cases validated, peak heap " + (peakHeap >> 20) + " MiB of 64");
      s.note(sample.size() + " through the CLI: " + cliOutcomes);
      s.note("verdicts: " + verdicts);
      s.passed();
    }
  }

  /** Spread over the categories; the 100,000-entry case (case 14) only in the full run. */
  private static List<BadApkovls.Case> sample(BadApkovls generator) throws Exception {
    List<BadApkovls.Case> sample = new ArrayList<>();
    int stride = Math.max(1, CASES / Math.max(1, CLI_SAMPLE));
    for (int k = 0; k < CLI_SAMPLE; k++) {
      int i = k * stride + k % 3;
      if (i < CASES && i != 14) {
        sample.add(generator.make(i));
      }
    }
    if (Torture.FULL) {
      sample.add(generator.make(14));
    }
    return sample;
  }

  private static String tail(String text) {
    return text.length() <= 4000 ? text : text.substring(text.length() - 4000);
  }
}
