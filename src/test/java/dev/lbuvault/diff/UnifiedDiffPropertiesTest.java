package dev.lbuvault.diff;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** For any two texts: GNU patch turns the old one into the new with our diff, and it is minimal. */
class UnifiedDiffPropertiesTest {
  @Property(tries = 60)
  void patchRebuildsTheNewTextAndTheEditCountIsMinimalLikeGnuDiff(
      @ForAll("texts") String a, @ForAll("texts") String b) throws Exception {
    Path tmp = Files.createTempDirectory("lbuvault-diff-");
    try {
      List<String> ours = UnifiedDiffTest.ours(a, b);
      Path old = Files.writeString(tmp.resolve("old"), a);
      Path patchFile = Files.writeString(tmp.resolve("p.diff"), String.join("\n", ours) + "\n");
      if (!a.equals(b)) {
        Commands.check(
            null, Tools.require("patch").toString(), "-s", old.toString(), patchFile.toString());
      }
      assertThat(Files.readString(old)).isEqualTo(b);
      assertThat(changedLines(ours)).isEqualTo(changedLines(UnifiedDiffTest.gnu(tmp, a, b)));
    } finally {
      try (Stream<Path> files = Files.walk(tmp)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  @Provide
  Arbitrary<String> texts() {
    Arbitrary<String> line = Arbitraries.of("a", "b", "c", "d", "", "x y");
    return line.list()
        .ofMaxSize(25)
        .flatMap(
            lines ->
                Arbitraries.of(true, false)
                    .map(nl -> lines.isEmpty() ? "" : String.join("\n", lines) + (nl ? "\n" : "")));
  }

  private static long changedLines(List<String> diff) {
    return diff.stream().skip(2).filter(l -> l.startsWith("+") || l.startsWith("-")).count();
  }
}
