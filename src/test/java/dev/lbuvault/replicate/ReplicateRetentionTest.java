package dev.lbuvault.replicate;

import static dev.lbuvault.testing.TwoBtrfsRepositories.ids;
import static dev.lbuvault.testing.TwoBtrfsRepositories.versionsDir;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Cli.Result;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.TwoBtrfsRepositories;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code replicate --keep-*} and {@code replicate --dry-run} between two real btrfs filesystems on
 * loop devices: the btrfs tool judges what the target holds and what each received version was
 * received from, so "the next incremental send still works after pruning" is checked by btrfs
 * itself (the received UUID of the new version, and its parent still on the target).
 */
class ReplicateRetentionTest {
  @TempDir Path tmp;
  @RegisterExtension final TwoBtrfsRepositories two = new TwoBtrfsRepositories();

  private Result replicate(String... extra) {
    String[] args =
        Stream.concat(
                Stream.of("replicate", "--repo", two.source(), "--to", two.target()),
                Stream.of(extra))
            .toArray(String[]::new);
    return Cli.run(args);
  }

  @Test
  void keepRulesPruneTheTargetAndTheNextIncrementalSendStillStartsFromAVersionItHolds()
      throws Exception {
    two.backup(1);
    two.backup(2);
    two.backup(3);
    assertThat(replicate().exitCode()).isZero();
    List<String> src = ids(two.source());
    two.backup(4);
    String v4 = ids(two.source()).get(3);

    Result r = replicate("--keep-last", "2");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("sent rpi " + v4 + " (incremental from " + src.get(2) + ")")
        .contains("removed from target rpi " + src.get(0))
        .contains("removed from target rpi " + src.get(1))
        .contains("removed 2 from the target");
    assertThat(ids(two.target())).containsExactly(src.get(2), v4);
    assertThat(ids(two.source())).hasSize(4);
    two.assertReceived(v4);

    two.backup(5);
    String v5 = ids(two.source()).get(4);
    Result next = replicate("--keep-last", "1");

    assertThat(next.exitCode()).as(next.toString()).isZero();
    assertThat(next.out())
        .contains("sent rpi " + v5 + " (incremental from " + v4 + ")")
        .doesNotContainPattern("(?m)^sent rpi " + src.get(0))
        .contains("not sent rpi " + src.get(0));
    assertThat(ids(two.target())).containsExactly(v5);
    two.assertReceived(v5);
    assertThat(Cli.run("verify", "--repo", two.target()).exitCode()).isZero();

    Result again = replicate("--keep-last", "1");
    assertThat(again.out()).contains("replicated 0 version(s)").contains("removed 0 from");
    assertThat(ids(two.target())).containsExactly(v5);
  }

  @Test
  void theNewestVersionBothSidesHoldIsKeptEvenWhenTheRulesWouldRemoveIt() throws Exception {
    two.backup(1);
    two.backup(2);
    assertThat(replicate().exitCode()).isZero();
    List<String> src = ids(two.source());
    // A newer version on the target that the source never had (made by hand, or received from
    // another repository): --keep-last 1 alone would keep only it and lose the shared parent.
    String foreign = "20991231T000000Z";
    Commands.check(
        null,
        "btrfs",
        "subvolume",
        "create",
        versionsDir(two.target()).resolve(foreign).toString());

    Result r = replicate("--keep-last", "1", "--dry-run");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("would remove from target rpi " + src.get(0))
        .doesNotContain("would remove from target rpi " + src.get(1))
        .contains("would remove 1 from the target");
    assertThat(ids(two.target())).containsExactly(src.get(0), src.get(1), foreign);

    Result pruned = replicate("--keep-last", "1", "--json");
    assertThat(pruned.exitCode()).as(pruned.toString()).isZero();
    assertThat(pruned.out()).containsPattern("\"removed\": \\[\\s*\"" + src.get(0) + "\"\\s*\\]");
    assertThat(ids(two.target())).containsExactly(src.get(1), foreign);

    two.backup(3);
    String v3 = ids(two.source()).get(2);
    Result next = replicate("--keep-last", "1");
    assertThat(next.exitCode()).as(next.toString()).isZero();
    assertThat(next.out()).contains("sent rpi " + v3 + " (incremental from " + src.get(1) + ")");
    two.assertReceived(v3);
    assertThat(ids(two.target())).containsExactly(v3, foreign);
  }

  @Test
  void aDryRunIntoAMissingOrEmptyTargetPlansEveryVersionAndCreatesNothing() throws Exception {
    two.backup(1);
    two.backup(2);
    List<String> src = ids(two.source());

    Result missing = replicate("--dry-run");

    assertThat(missing.exitCode()).as(missing.toString()).isZero();
    assertThat(missing.out())
        .contains("would create a btrfs repository at " + two.target())
        .contains("would send rpi " + src.get(0) + " (full)")
        .contains("would send rpi " + src.get(1) + " (incremental from " + src.get(0) + ")")
        .contains("would replicate 2 version(s)");
    assertThat(Path.of(two.target())).doesNotExist();

    Files.createDirectories(Path.of(two.target()));
    Result empty = replicate("--dry-run", "--keep-last", "1", "--json");
    assertThat(empty.exitCode()).as(empty.toString()).isZero();
    assertThat(empty.out()).contains("\"dryRun\": true").contains("\"id\": \"" + src.get(1) + "\"");
    // Quoted: two backups in one second are X and X_2, and X alone is a prefix of X_2.
    assertThat(empty.out().indexOf("\"notSent\""))
        .isLessThan(empty.out().indexOf("\"" + src.get(0) + "\""));
    try (Stream<Path> s = Files.list(Path.of(two.target()))) {
      assertThat(s).isEmpty();
    }

    Result notARepo =
        Cli.run("replicate", "--repo", two.source(), "--to", two.card().toString(), "--dry-run");
    assertThat(notARepo.exitCode()).isNotZero();
    assertThat(notARepo.err()).contains("not an lbuvault repository");
  }
}
