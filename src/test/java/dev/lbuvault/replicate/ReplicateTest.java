package dev.lbuvault.replicate;

import static dev.lbuvault.testing.TwoBtrfsRepositories.entries;
import static dev.lbuvault.testing.TwoBtrfsRepositories.id;
import static dev.lbuvault.testing.TwoBtrfsRepositories.ids;
import static dev.lbuvault.testing.TwoBtrfsRepositories.versions;
import static dev.lbuvault.testing.TwoBtrfsRepositories.versionsDir;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.cli.ExitCodes;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Cli.Result;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.TwoBtrfsRepositories;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * replicate between two real btrfs filesystems on loop devices: the btrfs tool judges what was
 * received (read-only, received UUID equal to the source's UUID), and the target is judged as a
 * repository by list, verify, sha256sum and recover.
 */
class ReplicateTest {
  @TempDir Path tmp;
  @RegisterExtension final TwoBtrfsRepositories two = new TwoBtrfsRepositories();

  @Test
  void versionsGoOverFullThenIncrementalAndTheTargetIsARepositoryOfItsOwn() throws Exception {
    two.backup(1);
    two.backup(2);
    two.backup(3);
    List<Path> src = versions(two.source());

    Result r = Cli.run("replicate", "--repo", two.source(), "--to", two.target());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("sent rpi " + id(src.get(0)) + " (full)")
        .contains("sent rpi " + id(src.get(1)) + " (incremental from " + id(src.get(0)) + ")")
        .contains("sent rpi " + id(src.get(2)) + " (incremental from " + id(src.get(1)) + ")")
        .contains("replicated 3 version(s)");
    assertThat(ids(two.target())).containsExactlyElementsOf(ids(two.source()));
    for (Path version : src) {
      two.assertReceived(id(version));
    }
    assertThat(entries(two.target())).noneMatch(n -> n.startsWith("."));

    two.assertTargetStandsAlone(3, tmp.resolve("card.img"));

    Result again = Cli.run("replicate", "--repo", two.source(), "--to", two.target());
    assertThat(again.out()).contains("replicated 0 version(s)").contains("3 already there");
    two.backup(4);
    Result next = Cli.run("replicate", "--repo", two.source(), "--to", two.target(), "--json");
    assertThat(next.exitCode()).as(next.toString()).isZero();
    assertThat(next.out())
        .contains("\"id\": \"" + id(versions(two.source()).get(3)) + "\"")
        .contains("\"parent\": \"" + id(src.get(2)) + "\"")
        .contains("\"alreadyThere\": 3");
  }

  @Test
  void aHalfReceivedVersionIsHiddenAndTheNextRunDeletesItAndSendsItAgain() throws Exception {
    two.backup(1);
    assertThat(Cli.run("replicate", "--repo", two.source(), "--to", two.target()).exitCode())
        .isZero();
    two.backup(2);
    Path second = versions(two.source()).get(1);
    // What a replicate killed during its receive leaves: the marker written before the receive,
    // and a writable subvolume with part of the files and no received UUID.
    Path marker = versionsDir(two.target()).resolve(".receiving-" + id(second));
    Files.writeString(marker, "full\n");
    Path half = versionsDir(two.target()).resolve(id(second));
    Commands.check(null, "btrfs", "subvolume", "create", half.toString());
    Files.writeString(half.resolve("version.json"), "{\"half\":");

    Result list = Cli.run("list", "--repo", two.target());
    assertThat(list.out()).doesNotContain(id(second));
    Result verify = Cli.run("verify", "--repo", two.target());
    assertThat(verify.exitCode()).as(verify.toString()).isZero();

    Result r = Cli.run("replicate", "--repo", two.source(), "--to", two.target());
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("sent rpi " + id(second) + " (incremental from ");
    assertThat(marker).doesNotExist();
    two.assertReceived(id(second));
    assertThat(Cli.run("verify", "--repo", two.target()).exitCode()).isZero();
  }

  @Test
  void aVersionOfTheSameNameThatWasNotReceivedFromTheSourceIsNeverOverwritten() throws Exception {
    two.backup(1);
    assertThat(Cli.run("replicate", "--repo", two.source(), "--to", two.target()).exitCode())
        .isZero();
    Path there = versions(two.target()).get(0);
    Commands.check(null, "btrfs", "subvolume", "delete", there.toString());
    Commands.check(null, "btrfs", "subvolume", "create", there.toString());
    Files.writeString(there.resolve("mine"), "not from the source");

    Result r = Cli.run("replicate", "--repo", two.source(), "--to", two.target());

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err())
        .contains("version " + id(there) + " of host rpi exists in " + two.target())
        .contains("never overwrites");
    assertThat(Files.readString(there.resolve("mine"))).isEqualTo("not from the source");
  }

  @Test
  void aPlainRepositoryIsRefusedByABtrfsTargetNamingBothBackends() throws Exception {
    two.backup(1);
    assertThat(Cli.run("replicate", "--repo", two.source(), "--to", two.target()).exitCode())
        .isZero();
    String plain = tmp.resolve("plain").toString();
    assertThat(Cli.run("init", "--repo", plain, "--backend", "plain").exitCode()).isZero();
    Result r = Cli.run("replicate", "--repo", plain, "--to", two.target());
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err())
        .hasLineCount(1)
        .contains(plain)
        .contains("plain backend")
        .contains("btrfs backend")
        .contains("--backend plain");
  }
}
