package dev.lbuvault.uncommitted;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Tools;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The protected-path glob against a judge: bash's {@code case} pattern matching, which implements
 * POSIX {@code fnmatch} with both {@code !} and {@code ^} negation, as glibc and musl do. Path
 * components hold no slash, so FNM_PATHNAME makes no difference to these names.
 */
class GlobTest {
  private static final List<String> PATTERNS =
      List.of(
          "*.conf", "*", "?", "ssh*", "*_key", "[ab]*", "[!a]*", "[^a]*", "[a-c]?", "*.[ch]",
          "a\\*b", "init.d", "*.*.*", "[]x]*", "x[", "**", "?*?");
  private static final List<String> NAMES =
      List.of(
          "a.conf",
          "conf",
          ".conf",
          "a",
          "ab",
          "abc",
          "sshd_config",
          "ssh_host_rsa_key",
          "b1",
          "c",
          "d.h",
          "d.c",
          "a*b",
          "axb",
          "init.d",
          "initxd",
          "a.b.c",
          "]x",
          "x[",
          "",
          ".hidden");

  @Test
  void everyPatternMatchesExactlyTheNamesTheShellMatches() throws Exception {
    Tools.require("bash");
    List<String> ours = new ArrayList<>();
    StringBuilder script = new StringBuilder();
    for (String p : PATTERNS) {
      for (String n : NAMES) {
        ours.add(p + " " + n + " " + Glob.matches(p, n));
        script
            .append("case '")
            .append(n)
            .append("' in ")
            .append(p.replace("'", ""))
            .append(") r=true;; *) r=false;; esac; echo '")
            .append(p)
            .append(' ')
            .append(n)
            .append(" '$r\n");
      }
    }
    String judged = Commands.check(null, "bash", "-c", script.toString());

    assertThat(ours).containsExactlyElementsOf(judged.lines().toList());
  }
}
