package dev.lbuvault.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The shipped Prometheus alerting rules are valid and pass their own unit tests, judged by
 * Prometheus' {@code promtool} (Debian package {@code prometheus}).
 */
class AlertRulesTest {
  private static final Path DIR =
      Path.of(System.getProperty("user.dir"), "docs", "prometheus").toAbsolutePath();
  private static final Path RULES = DIR.resolve("lbuvault-alerts.yml");
  private static final Path TESTS = DIR.resolve("lbuvault-alerts.test.yml");

  @Test
  void theRulesFileIsValid() throws IOException {
    Path promtool = Tools.require("promtool");
    assertThat(RULES).exists();

    Commands.Output o =
        Commands.run(DIR, List.of(promtool.toString(), "check", "rules", RULES.toString()));

    assertThat(o.exitCode()).as(describe(o)).isZero();
    long alerts = Files.readString(RULES).lines().filter(l -> l.contains("- alert: ")).count();
    assertThat(o.stdout()).as(describe(o)).contains("SUCCESS: " + alerts + " rules found");
  }

  @Test
  void everyAlertPassesItsUnitTests() throws IOException {
    Path promtool = Tools.require("promtool");
    assertThat(TESTS).exists();

    Commands.Output o =
        Commands.run(DIR, List.of(promtool.toString(), "test", "rules", TESTS.toString()));

    assertThat(o.exitCode()).as(describe(o)).isZero();
    assertThat(o.stdout()).as(describe(o)).contains("SUCCESS").doesNotContain("FAILED");
  }

  @Test
  void everyAlertHasAFiringAndANonFiringCase() throws IOException {
    String rules = Files.readString(RULES);
    String tests = Files.readString(TESTS);
    for (String alert :
        List.of(
            "LbuvaultBackupStale",
            "LbuvaultNeverBackedUp",
            "LbuvaultBackupFailing",
            "LbuvaultSourceAhead",
            "LbuvaultVerifyFailed",
            "LbuvaultVerifyStale",
            "LbuvaultSourceDown",
            "LbuvaultUncommittedChanges",
            "LbuvaultAbsent",
            "LbuvaultBootNotReady",
            "LbuvaultEncryptedApkovlUnverified",
            "LbuvaultReplicaStale")) {
      assertThat(rules).contains("- alert: " + alert + "\n");
      assertThat(tests)
          .as("%s has a case that must fire", alert)
          .containsPattern("alertname: " + alert + "\\n\\s+exp_alerts:\\n\\s+- exp_labels:");
      assertThat(tests)
          .as("%s has a case that must not fire", alert)
          .containsPattern("alertname: " + alert + "\\n\\s+exp_alerts: \\[\\]");
    }
  }

  private static String describe(Commands.Output o) {
    return "promtool exited "
        + o.exitCode()
        + "\n--- stdout\n"
        + o.stdout()
        + "--- stderr\n"
        + o.stderr();
  }
}
