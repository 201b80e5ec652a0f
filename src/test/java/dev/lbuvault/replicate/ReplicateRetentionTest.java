package dev.lbuvault.replicate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.BtrfsLoop;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Cli.Result;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code replicate --keep-*} and {@code replicate --dry-run} between two real btrfs filesystems on
 * loop devices: the btrfs tool judges what the target holds and what each received version was
 * received from, so "the next incremental send still works after pruning" is checked by btrfs
 * itself (the received UUID of the new version, and its parent still on the target).
 */
class ReplicateRetentionTest {
  @TempDir Path tmp;
  BtrfsLoop a;
  BtrfsLoop b;
  Path card;
  String source;
  String target;

  @BeforeEach
  void setUp() throws Exception {
    Tools.requireRoot();
    Tools.require("mkfs.btrfs");
    a = BtrfsLoop.create(Files.createDirectories(tmp.resolve("a")), 512);
    b = BtrfsLoop.create(Files.createDirectories(tmp.resolve("b")), 512);
    card = Cards.make(tmp.resolve("card"));
    source = a.mountPoint().resolve("repo").toString();
    target = b.mountPoint().resolve("offsite").toString();
    assertThat(Cli.run("init", "--repo", source).exitCode()).isZero();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (b != null) {
      b.close();
    }
    if (a != null) {
      a.close();
    }
  }

  private void backup(int seed) throws Exception {
    Cards.apkovl(card.resolve("rpi.apkovl.tar.gz"), "rpi", seed);
    Result r = Cli.run("backup", "--repo", source, "--source", card.toString());
    assertThat(r.exitCode()).as(r.toString()).isZero();
  }

  private static List<String> ids(String repo) throws Exception {
    try (Stream<Path> s = Files.list(Path.of(repo, "hosts/rpi/versions"))) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> !n.startsWith("."))
          .sorted()
          .toList();
    }
  }

  private static String field(String repo, String id, String name) throws Exception {
    Path subvolume = Path.of(repo, "hosts/rpi/versions", id);
    String show = Commands.check(null, "btrfs", "subvolume", "show", subvolume.toString());
    return show.lines()
        .map(String::strip)
        .filter(l -> l.startsWith(name + ":"))
        .map(l -> l.substring(name.length() + 1).strip())
        .findFirst()
        .orElseThrow();
  }

  private Result replicate(String... extra) {
    String[] args =
        Stream.concat(Stream.of("replicate", "--repo", source, "--to", target), Stream.of(extra))
            .toArray(String[]::new);
    return Cli.run(args);
  }

  /** The target's copy of {@code id} was received from the source's, as btrfs reports it. */
  private void assertReceived(String id) throws Exception {
    assertThat(field(target, id, "Received UUID")).isEqualTo(field(source, id, "UUID"));
    assertThat(field(target, id, "Flags")).contains("readonly");
  }

  @Test
  void keepRulesPruneTheTargetAndTheNextIncrementalSendStillStartsFromAVersionItHolds()
      throws Exception {
    backup(1);
    backup(2);
    backup(3);
    assertThat(replicate().exitCode()).isZero();
    List<String> src = ids(source);
    backup(4);
    String v4 = ids(source).get(3);

    Result r = replicate("--keep-last", "2");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("sent rpi " + v4 + " (incremental from " + src.get(2) + ")")
        .contains("removed from target rpi " + src.get(0))
        .contains("removed from target rpi " + src.get(1))
        .contains("removed 2 from the target");
    assertThat(ids(target)).containsExactly(src.get(2), v4);
    assertThat(ids(source)).hasSize(4);
    assertReceived(v4);

    backup(5);
    String v5 = ids(source).get(4);
    Result next = replicate("--keep-last", "1");

    assertThat(next.exitCode()).as(next.toString()).isZero();
    assertThat(next.out())
        .contains("sent rpi " + v5 + " (incremental from " + v4 + ")")
        .doesNotContainPattern("(?m)^sent rpi " + src.get(0))
        .contains("not sent rpi " + src.get(0));
    assertThat(ids(target)).containsExactly(v5);
    assertReceived(v5);
    assertThat(Cli.run("verify", "--repo", target).exitCode()).isZero();
    Commands.check(
        Path.of(target, "hosts/rpi/versions", v5), "sha256sum", "--strict", "-c", "SHA256SUMS");

    Result again = replicate("--keep-last", "1");
    assertThat(again.out()).contains("replicated 0 version(s)").contains("removed 0 from");
    assertThat(ids(target)).containsExactly(v5);
  }

  @Test
  void theNewestVersionBothSidesHoldIsKeptEvenWhenTheRulesWouldRemoveIt() throws Exception {
    backup(1);
    backup(2);
    assertThat(replicate().exitCode()).isZero();
    List<String> src = ids(source);
    // A newer version on the target that the source never had (made by hand, or received from
    // another repository): --keep-last 1 alone would keep only it and lose the shared parent.
    String foreign = "20991231T000000Z";
    Commands.check(
        null,
        "btrfs",
        "subvolume",
        "create",
        Path.of(target, "hosts/rpi/versions", foreign).toString());

    Result r = replicate("--keep-last", "1", "--dry-run");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("would remove from target rpi " + src.get(0))
        .doesNotContain("would remove from target rpi " + src.get(1))
        .contains("would remove 1 from the target");
    assertThat(ids(target)).containsExactly(src.get(0), src.get(1), foreign);

    Result pruned = replicate("--keep-last", "1", "--json");
    assertThat(pruned.exitCode()).as(pruned.toString()).isZero();
    assertThat(pruned.out()).containsPattern("\"removed\": \\[\\s*\"" + src.get(0) + "\"\\s*\\]");
    assertThat(ids(target)).containsExactly(src.get(1), foreign);

    backup(3);
    String v3 = ids(source).get(2);
    Result next = replicate("--keep-last", "1");
    assertThat(next.exitCode()).as(next.toString()).isZero();
    assertThat(next.out()).contains("sent rpi " + v3 + " (incremental from " + src.get(1) + ")");
    assertReceived(v3);
    assertThat(ids(target)).containsExactly(v3, foreign);
  }

  @Test
  void aDryRunIntoAMissingOrEmptyTargetPlansEveryVersionAndCreatesNothing() throws Exception {
    backup(1);
    backup(2);
    List<String> src = ids(source);

    Result missing = replicate("--dry-run");

    assertThat(missing.exitCode()).as(missing.toString()).isZero();
    assertThat(missing.out())
        .contains("would create a btrfs repository at " + target)
        .contains("would send rpi " + src.get(0) + " (full)")
        .contains("would send rpi " + src.get(1) + " (incremental from " + src.get(0) + ")")
        .contains("would replicate 2 version(s)");
    assertThat(Path.of(target)).doesNotExist();

    Files.createDirectories(Path.of(target));
    Result empty = replicate("--dry-run", "--keep-last", "1", "--json");
    assertThat(empty.exitCode()).as(empty.toString()).isZero();
    assertThat(empty.out()).contains("\"dryRun\": true").contains("\"id\": \"" + src.get(1) + "\"");
    // Quoted: two backups in one second are X and X_2, and X alone is a prefix of X_2.
    assertThat(empty.out().indexOf("\"notSent\""))
        .isLessThan(empty.out().indexOf("\"" + src.get(0) + "\""));
    try (Stream<Path> s = Files.list(Path.of(target))) {
      assertThat(s).isEmpty();
    }

    Result notARepo = Cli.run("replicate", "--repo", source, "--to", card.toString(), "--dry-run");
    assertThat(notARepo.exitCode()).isNotZero();
    assertThat(notARepo.err()).contains("not an lbuvault repository");
  }
}
