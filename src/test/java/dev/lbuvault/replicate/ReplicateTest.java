package dev.lbuvault.replicate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.cli.ExitCodes;
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
 * replicate between two real btrfs filesystems on loop devices: the btrfs tool judges what was
 * received (read-only, received UUID equal to the source's UUID), and the target is judged as a
 * repository by list, verify, sha256sum and recover.
 */
class ReplicateTest {
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

  private static List<Path> versions(String repo) throws Exception {
    try (Stream<Path> s = Files.list(Path.of(repo, "hosts/rpi/versions"))) {
      return s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
    }
  }

  private static String field(Path subvolume, String name) throws Exception {
    String show = Commands.check(null, "btrfs", "subvolume", "show", subvolume.toString());
    return show.lines()
        .map(String::strip)
        .filter(l -> l.startsWith(name + ":"))
        .map(l -> l.substring(name.length() + 1).strip())
        .findFirst()
        .orElseThrow();
  }

  private static String id(Path version) {
    return version.getFileName().toString();
  }

  @Test
  void versionsGoOverFullThenIncrementalAndTheTargetIsARepositoryOfItsOwn() throws Exception {
    backup(1);
    backup(2);
    backup(3);
    List<Path> src = versions(source);

    Result r = Cli.run("replicate", "--repo", source, "--to", target);

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("sent rpi " + id(src.get(0)) + " (full)")
        .contains("sent rpi " + id(src.get(1)) + " (incremental from " + id(src.get(0)) + ")")
        .contains("sent rpi " + id(src.get(2)) + " (incremental from " + id(src.get(1)) + ")")
        .contains("replicated 3 version(s)");
    List<Path> dst = versions(target);
    assertThat(dst.stream().map(ReplicateTest::id))
        .containsExactlyElementsOf(src.stream().map(ReplicateTest::id).toList());
    for (int i = 0; i < 3; i++) {
      assertThat(field(dst.get(i), "Flags")).contains("readonly");
      assertThat(field(dst.get(i), "Received UUID")).isEqualTo(field(src.get(i), "UUID"));
      Commands.check(dst.get(i), "sha256sum", "--strict", "-c", "SHA256SUMS");
    }
    assertThat(Files.list(dst.get(0).getParent()).map(p -> p.getFileName().toString()))
        .noneMatch(n -> n.startsWith("."));

    Result list = Cli.run("list", "--repo", target);
    assertThat(list.out().lines().filter(l -> l.startsWith("2"))).hasSize(3);
    Result verify = Cli.run("verify", "--repo", target);
    assertThat(verify.exitCode()).as(verify.toString()).isZero();
    Path image = tmp.resolve("card.img");
    Result recover = Cli.run("recover", "--repo", target, "--to", image.toString(), "--yes");
    assertThat(recover.exitCode()).as(recover.toString()).isZero();
    assertThat(Cli.run("inspect", image.toString()).exitCode()).isZero();

    Result again = Cli.run("replicate", "--repo", source, "--to", target);
    assertThat(again.out()).contains("replicated 0 version(s)").contains("3 already there");
    backup(4);
    Result next = Cli.run("replicate", "--repo", source, "--to", target, "--json");
    assertThat(next.exitCode()).as(next.toString()).isZero();
    assertThat(next.out())
        .contains("\"id\": \"" + id(versions(source).get(3)) + "\"")
        .contains("\"parent\": \"" + id(src.get(2)) + "\"")
        .contains("\"alreadyThere\": 3");
  }

  @Test
  void aHalfReceivedVersionIsHiddenAndTheNextRunDeletesItAndSendsItAgain() throws Exception {
    backup(1);
    assertThat(Cli.run("replicate", "--repo", source, "--to", target).exitCode()).isZero();
    backup(2);
    Path second = versions(source).get(1);
    // What a replicate killed during its receive leaves: the marker written before the receive,
    // and a writable subvolume with part of the files and no received UUID.
    Path versionsDir = Path.of(target, "hosts/rpi/versions");
    Path marker = versionsDir.resolve(".receiving-" + id(second));
    Files.writeString(marker, "full\n");
    Path half = versionsDir.resolve(id(second));
    Commands.check(null, "btrfs", "subvolume", "create", half.toString());
    Files.writeString(half.resolve("version.json"), "{\"half\":");

    Result list = Cli.run("list", "--repo", target);
    assertThat(list.out()).doesNotContain(id(second));
    Result verify = Cli.run("verify", "--repo", target);
    assertThat(verify.exitCode()).as(verify.toString()).isZero();

    Result r = Cli.run("replicate", "--repo", source, "--to", target);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("sent rpi " + id(second) + " (incremental from ");
    assertThat(marker).doesNotExist();
    assertThat(field(half, "Flags")).contains("readonly");
    assertThat(field(half, "Received UUID")).isEqualTo(field(second, "UUID"));
    assertThat(Cli.run("verify", "--repo", target).exitCode()).isZero();
  }

  @Test
  void aVersionOfTheSameNameThatWasNotReceivedFromTheSourceIsNeverOverwritten() throws Exception {
    backup(1);
    assertThat(Cli.run("replicate", "--repo", source, "--to", target).exitCode()).isZero();
    Path there = versions(target).get(0);
    Commands.check(null, "btrfs", "subvolume", "delete", there.toString());
    Commands.check(null, "btrfs", "subvolume", "create", there.toString());
    Files.writeString(there.resolve("mine"), "not from the source");

    Result r = Cli.run("replicate", "--repo", source, "--to", target);

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err())
        .contains("version " + id(there) + " of host rpi exists in " + target)
        .contains("never overwrites");
    assertThat(Files.readString(there.resolve("mine"))).isEqualTo("not from the source");
  }

  @Test
  void aPlainRepositoryIsRefusedByABtrfsTargetNamingBothBackends() throws Exception {
    backup(1);
    assertThat(Cli.run("replicate", "--repo", source, "--to", target).exitCode()).isZero();
    String plain = tmp.resolve("plain").toString();
    assertThat(Cli.run("init", "--repo", plain, "--backend", "plain").exitCode()).isZero();
    Result r = Cli.run("replicate", "--repo", plain, "--to", target);
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err())
        .hasLineCount(1)
        .contains(plain)
        .contains("plain backend")
        .contains("btrfs backend")
        .contains("--backend plain");
  }
}
