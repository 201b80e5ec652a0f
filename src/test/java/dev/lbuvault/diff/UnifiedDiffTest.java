package dev.lbuvault.diff;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Tools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our unified diffs, judged by GNU diff (same hunks) and GNU patch (rebuilds the new file). */
class UnifiedDiffTest {
  @TempDir Path tmp;

  @Test
  void aOneLineEditInTheMiddlePrintsExactlyWhatGnuDiffPrints() throws Exception {
    String a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n";
    String b = "1\n2\n3\n4\n5\nsix\n7\n8\n9\n10\n11\n12\n";
    assertThat(ours(a, b)).isEqualTo(gnu(a, b));
  }

  @Test
  void changesSixLinesApartShareAHunkAndSevenApartDoNotAsInGnuDiff() throws Exception {
    String base = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\no\np\n";
    String six = base.replace("b\n", "B\n").replace("i\n", "I\n");
    String seven = base.replace("b\n", "B\n").replace("j\n", "J\n");
    assertThat(ours(base, six)).isEqualTo(gnu(base, six));
    assertThat(ours(base, seven)).isEqualTo(gnu(base, seven));
    assertThat(ours(base, seven).stream().filter(l -> l.startsWith("@@"))).hasSize(2);
  }

  @Test
  void aLineAmongRunsTheOtherFileLacksStillCountsAsKeptAsInGnuDiffMinimal() throws Exception {
    String a = "a\na\na\nb\na\na\na\n";
    String b = "b\nb\nb\nb\nb\nb\n";
    assertThat(ours(a, b).stream().filter(l -> l.matches("^[-+](?![-+]{2} ).*"))).hasSize(11);
    assertThat(ours(a, b)).isEqualTo(gnu(a, b));
  }

  @Test
  void aFileGainingOrLosingItsFinalNewlineIsMarkedAsGnuDiffMarksIt() throws Exception {
    assertThat(ours("x\ny\n", "x\ny")).isEqualTo(gnu("x\ny\n", "x\ny"));
    assertThat(ours("x\ny", "x\ny\nz")).isEqualTo(gnu("x\ny", "x\ny\nz"));
  }

  @Test
  void anEmptyOldFileIsNumberedFromLineZero() throws Exception {
    assertThat(ours("", "new\nfile\n")).isEqualTo(gnu("", "new\nfile\n"));
    assertThat(ours("old\n", "")).isEqualTo(gnu("old\n", ""));
  }

  @Test
  void aTextNeedingMoreEditsThanTheCapIsNotRendered() {
    StringBuilder a = new StringBuilder();
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 50; i++) {
      a.append("a").append(i).append('\n');
      b.append("b").append(i).append('\n');
    }
    byte[] x = a.toString().getBytes(StandardCharsets.UTF_8);
    byte[] y = b.toString().getBytes(StandardCharsets.UTF_8);
    assertThat(UnifiedDiff.of("a", "b", x, y, 99)).isEmpty();
    assertThat(UnifiedDiff.of("a", "b", x, y, 100)).isPresent();
  }

  private static String join(List<String> lines) {
    return lines.isEmpty() ? "" : String.join("\n", lines) + "\n";
  }

  static List<String> ours(String a, String b) {
    return UnifiedDiff.of(
            "a/f",
            "b/f",
            a.getBytes(StandardCharsets.UTF_8),
            b.getBytes(StandardCharsets.UTF_8),
            1000)
        .orElseThrow();
  }

  /** GNU diff -u's output with our labels; empty for identical texts, as ours. */
  private List<String> gnu(String a, String b) throws IOException {
    return gnu(tmp, a, b);
  }

  static List<String> gnu(Path tmp, String a, String b) throws IOException {
    Path x = Files.writeString(Files.createTempFile(tmp, "a", ""), a);
    Path y = Files.writeString(Files.createTempFile(tmp, "b", ""), b);
    Commands.Output o =
        Commands.run(
            null,
            List.of(
                Tools.require("diff").toString(),
                // without --minimal GNU diff gives up minimality around runs of lines the other
                // file lacks (a a a b a a a against b x 6: 13 changed lines, not 11)
                "--minimal",
                "-u",
                "--label",
                "a/f",
                "--label",
                "b/f",
                x.toString(),
                y.toString()));
    assertThat(o.exitCode()).as(o.stderr()).isBetween(0, 1);
    if (o.stdout().isEmpty()) {
      return List.of("--- a/f", "+++ b/f");
    }
    return o.stdout().lines().toList();
  }
}
