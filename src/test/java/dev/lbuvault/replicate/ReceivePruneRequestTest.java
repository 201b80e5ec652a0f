package dev.lbuvault.replicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbuvault.cli.ExitCodes;
import dev.lbuvault.repo.VersionId;
import dev.lbuvault.retention.RetentionPolicy;
import dev.lbuvault.testing.Cli;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The prune request of {@code lbuvault receive}: what the near side writes parses back to the same
 * rules, and every other shape of it (a rule missing, reordered, doubled, not a number, a zone or
 * parent that is not one, every rule off, shell syntax) is refused before anything is opened.
 */
class ReceivePruneRequestTest {
  private static final String PREFIX = "lbuvault receive prune /srv/replica rpi ";

  @Test
  void aPruneRequestPrintsAndParsesBackToTheSameRules() throws Exception {
    RetentionPolicy keep = new RetentionPolicy(3, 7, 4, 12, 2, Duration.ofDays(2));
    ReceiveRequest.Prune prune =
        new ReceiveRequest.Prune(
            Optional.of(new VersionId("20261129T101500Z")), ZoneId.of("Europe/Berlin"), keep);
    String line = ReceiveRequest.prune("/srv/replica", "rpi", prune).commandLine();

    assertThat(line)
        .isEqualTo(
            PREFIX
                + "parent:20261129T101500Z zone:Europe/Berlin last:3 daily:7 weekly:4 monthly:12"
                + " yearly:2 within:172800");
    ReceiveRequest parsed = ReceiveRequest.parse(line);
    assertThat(parsed.operation()).isEqualTo(ReceiveRequest.Operation.PRUNE);
    assertThat(parsed.prune()).contains(prune);
    assertThat(parsed.commandLine()).isEqualTo(line);

    ReceiveRequest noParent =
        ReceiveRequest.parse(
            PREFIX + "parent:- zone:UTC last:1 daily:0 weekly:0 monthly:0 yearly:0 within:0");
    assertThat(noParent.prune().orElseThrow().parent()).isEmpty();
    assertThat(noParent.prune().orElseThrow().keep())
        .isEqualTo(new RetentionPolicy(1, 0, 0, 0, 0, Duration.ZERO));
  }

  @Test
  void hostilePruneRequestsAreRefusedSayingWhy() {
    String rules = "last:1 daily:0 weekly:0 monthly:0 yearly:0 within:0";
    String[][] cases = {
      {PREFIX + "parent:- zone:UTC last:0 daily:0 weekly:0 monthly:0 yearly:0 within:0", "every"},
      {PREFIX + "parent:- zone:UTC last:1", "takes 10 arguments, got 5"},
      {PREFIX + "parent:- zone:UTC " + rules + " last:1", "takes 10 arguments, got 11"},
      {PREFIX + "zone:UTC parent:- " + rules, "expected parent:"},
      {PREFIX + "parent:- zone:UTC daily:0 last:1 weekly:0 monthly:0 yearly:0 within:0", "last:"},
      {PREFIX + "parent:- zone:UTC last:-1 daily:0 weekly:0 monthly:0 yearly:0 within:0", "count"},
      {PREFIX + "parent:- zone:UTC last:9999999 daily:0 weekly:0 monthly:0 yearly:0 within:0", "6"},
      {
        PREFIX + "parent:- zone:UTC last:1 daily:0 weekly:0 monthly:0 yearly:0 within:7d", "seconds"
      },
      {PREFIX + "parent:../x zone:UTC " + rules, "is not a version id"},
      {PREFIX + "parent:- zone:Mars/Olympus " + rules, "is not a time zone"},
      {PREFIX + "parent:- zone:../../etc/passwd " + rules, "is not a time zone"},
      {PREFIX + "parent:- zone:UTC " + rules + ";rm", "without quotes or shell syntax"},
      {PREFIX + "parent:- zone:UTC $(rm -rf /)", "without quotes or shell syntax"},
      {"lbuvault receive prune /srv/../etc rpi parent:- zone:UTC " + rules, "\"..\" parts"},
      {"lbuvault receive prune /srv/replica ../x parent:- zone:UTC " + rules, "not a valid host"},
    };
    for (String[] c : cases) {
      assertThatThrownBy(() -> ReceiveRequest.parse(c[0]))
          .as(c[0])
          .isInstanceOf(ReceiveRefusedException.class)
          .hasMessageStartingWith("refused")
          .hasMessageContaining(c[1])
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
  }

  @Test
  void onlyAPruneCarriesRules() {
    assertThatThrownBy(
            () ->
                new ReceiveRequest(
                    ReceiveRequest.Operation.LIST,
                    "/srv/replica",
                    "rpi",
                    Optional.empty(),
                    Optional.empty(),
                    false,
                    Optional.of(
                        new ReceiveRequest.Prune(
                            Optional.empty(),
                            ZoneId.of("UTC"),
                            new RetentionPolicy(1, 0, 0, 0, 0, Duration.ZERO)))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                new ReceiveRequest.Prune(
                    Optional.empty(), ZoneId.of("UTC"), RetentionPolicy.none()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least one");
  }

  @Test
  void rulesAnSshTargetCannotTakeAreAUsageErrorBeforeAnythingIsSent(@TempDir Path tmp) {
    String repo = tmp.resolve("repo").toString();
    assertThat(Cli.run("init", "--repo", repo).exitCode()).isZero();
    // Nothing listens on port 1: were the rules not refused first, this would be exit 6.
    String to = "ssh://nobody@127.0.0.1:1/srv/replica";

    Cli.Result big = Cli.run("replicate", "--repo", repo, "--to", to, "--keep-last", "1000000");
    Cli.Result fraction =
        Cli.run("replicate", "--repo", repo, "--to", to, "--keep-within", "PT1.5S");

    assertThat(big.exitCode()).as(big.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(big.err()).contains("--keep-last 1000000 is more than an ssh:// target takes");
    assertThat(fraction.exitCode()).as(fraction.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(fraction.err()).contains("--keep-within must be whole seconds");
  }
}
