package dev.lbuvault.replicate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.cli.ExitCodes;
import dev.lbuvault.testing.BtrfsLoop;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Cli.Result;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Leftovers;
import dev.lbuvault.testing.Tools;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * replicate into a plain-backend repository by copying version trees: coreutils judge the result
 * ({@code stat} for inodes, link counts and modes, {@code sha256sum -c} inside each version), and
 * the target is judged as a repository by list, verify and recover.
 */
class ReplicatePlainTest {
  @TempDir Path tmp;

  private Path card() throws Exception {
    Path card = tmp.resolve("card");
    if (!Files.isDirectory(card)) {
      Cards.make(card);
    }
    return card;
  }

  private void backup(String repo, int seed) throws Exception {
    Path card = card();
    Cards.apkovl(card.resolve("rpi.apkovl.tar.gz"), "rpi", seed);
    Result r = Cli.run("backup", "--repo", repo, "--source", card.toString());
    assertThat(r.exitCode()).as(r.toString()).isZero();
  }

  private String plainSource() {
    String source = tmp.resolve("repo").toString();
    Result init = Cli.run("init", "--repo", source, "--backend", "plain");
    assertThat(init.exitCode()).as(init.toString()).isZero();
    return source;
  }

  private static List<Path> versions(String repo) throws Exception {
    try (Stream<Path> s = Files.list(Path.of(repo, "hosts/rpi/versions"))) {
      return s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
    }
  }

  private static List<String> hidden(String repo) throws Exception {
    try (Stream<Path> s = Files.list(Path.of(repo, "hosts/rpi/versions"))) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList();
    }
  }

  private static String id(Path version) {
    return version.getFileName().toString();
  }

  /** path -> sha256 as sha256sum wrote it, read without lbuvault. */
  private static Map<String, String> sums(Path version) throws Exception {
    Map<String, String> m = new LinkedHashMap<>();
    for (String line : Files.readAllLines(version.resolve("SHA256SUMS"))) {
      m.put(line.substring(66), line.substring(0, 64));
    }
    return m;
  }

  /** {@code stat -c FORMAT} of a file, as coreutils reports it. */
  private static String stat(String format, Path file) throws Exception {
    return Commands.check(null, "stat", "-c", format, file.toString()).strip();
  }

  /** Every file of every target version: same inode as in the previous version iff unchanged. */
  private static void assertUnchangedFilesAreHardLinked(List<Path> dst) throws Exception {
    int linked = 0;
    for (int i = 1; i < dst.size(); i++) {
      Map<String, String> before = sums(dst.get(i - 1));
      for (Map.Entry<String, String> e : sums(dst.get(i)).entrySet()) {
        String now = stat("%d:%i", dst.get(i).resolve(e.getKey()));
        String then =
            before.containsKey(e.getKey())
                ? stat("%d:%i", dst.get(i - 1).resolve(e.getKey()))
                : "none";
        if (e.getValue().equals(before.get(e.getKey()))) {
          assertThat(now).as(e.getKey() + " unchanged in " + dst.get(i)).isEqualTo(then);
          linked++;
        } else {
          assertThat(now).as(e.getKey() + " changed in " + dst.get(i)).isNotEqualTo(then);
        }
      }
    }
    assertThat(linked).as("files hard-linked between target versions").isPositive();
  }

  @Test
  void plainVersionsAreCopiedOnceWithUnchangedFilesHardLinkedAndTheTargetIsARepository()
      throws Exception {
    String source = plainSource();
    backup(source, 1);
    backup(source, 2);
    backup(source, 3);
    List<Path> src = versions(source);
    String target = tmp.resolve("offsite").toString();

    Result r = Cli.run("replicate", "--repo", source, "--to", target);

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("sent rpi " + id(src.get(0)) + " (full)")
        .contains("sent rpi " + id(src.get(1)) + " (incremental from " + id(src.get(0)) + ")")
        .contains("sent rpi " + id(src.get(2)) + " (incremental from " + id(src.get(1)) + ")")
        .contains("replicated 3 version(s)");
    assertThat(Files.readString(Path.of(target, "lbuvault.json"))).contains("\"plain\"");
    List<Path> dst = versions(target);
    assertThat(dst.stream().map(ReplicatePlainTest::id))
        .containsExactlyElementsOf(src.stream().map(ReplicatePlainTest::id).toList());
    assertThat(hidden(target)).isEmpty();
    assertUnchangedFilesAreHardLinked(dst);
    // A file the three versions share is one inode with three names on the target: nothing twice.
    Map<String, String> first = sums(dst.get(0));
    String shared =
        sums(dst.get(2)).entrySet().stream()
            .filter(e -> e.getValue().equals(first.get(e.getKey())))
            .map(Map.Entry::getKey)
            .findFirst()
            .orElseThrow();
    assertThat(stat("%h", dst.get(2).resolve(shared))).isEqualTo("3");
    for (Path v : dst) {
      Commands.check(v, "sha256sum", "--strict", "-c", "SHA256SUMS");
      assertThat(stat("%a", v)).isEqualTo("500");
      assertThat(stat("%a", v.resolve("card"))).isEqualTo("500");
      assertThat(stat("%a", v.resolve("SHA256SUMS"))).isEqualTo("400");
      assertThat(stat("%a %Y", v.resolve(shared)))
          .isEqualTo(stat("%a %Y", src.get(0).resolve(shared)));
    }

    Result list = Cli.run("list", "--repo", target);
    assertThat(list.out().lines().filter(l -> l.startsWith("2"))).hasSize(3);
    Result verify = Cli.run("verify", "--repo", target);
    assertThat(verify.exitCode()).as(verify.toString()).isZero();
    Path image = tmp.resolve("card.img");
    Result recover = Cli.run("recover", "--repo", target, "--to", image.toString(), "--yes");
    assertThat(recover.exitCode()).as(recover.toString()).isZero();
    assertThat(Cli.run("inspect", image.toString()).exitCode()).isZero();

    Result again = Cli.run("replicate", "--repo", source, "--to", target);
    assertThat(again.exitCode()).as(again.toString()).isZero();
    assertThat(again.out()).contains("replicated 0 version(s)").contains("3 already there");
    assertThat(Leftovers.tempEntries(Path.of(target))).isEmpty();
  }

  @Test
  void aHalfCopiedVersionLeftByAKilledRunIsHiddenThenDeletedAndCopiedAgain() throws Exception {
    String source = plainSource();
    String target = tmp.resolve("offsite").toString();
    backup(source, 1);
    assertThat(Cli.run("replicate", "--repo", source, "--to", target).exitCode()).isZero();
    backup(source, 2);
    Path second = versions(source).get(1);
    // What a replicate killed mid-copy leaves: .partial-ID holding the first half of the files.
    Path partial = Path.of(target, "hosts/rpi/versions", ".partial-" + id(second));
    List<String> files = List.copyOf(sums(second).keySet());
    for (String f : files.subList(0, files.size() / 2)) {
      Path copy = partial.resolve(f);
      Files.createDirectories(copy.getParent());
      Files.copy(second.resolve(f), copy);
    }

    Result list = Cli.run("list", "--repo", target);
    assertThat(list.out()).doesNotContain(id(second));

    Result r = Cli.run("replicate", "--repo", source, "--to", target);

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("sent rpi " + id(second) + " (incremental from ");
    assertThat(partial).doesNotExist();
    Commands.check(
        Path.of(target, "hosts/rpi/versions", id(second)),
        "sha256sum",
        "--strict",
        "-c",
        "SHA256SUMS");
    Result verify = Cli.run("verify", "--repo", target);
    assertThat(verify.exitCode()).as(verify.toString()).isZero();
  }

  @Test
  void aSourceFileWithAFlippedByteIsCaughtOnTheTargetAndItsVersionIsNotPublished()
      throws Exception {
    String source = plainSource();
    String target = tmp.resolve("offsite").toString();
    backup(source, 1);
    backup(source, 2);
    Path second = versions(source).get(1);
    // The apkovl changed in the second version, so it is copied, not linked: flip one byte of it
    // in place, keeping its size and mtime, as silent disk damage would.
    Path apkovl = second.resolve("card/rpi.apkovl.tar.gz");
    FileTime mtime = Files.getLastModifiedTime(apkovl);
    Files.setPosixFilePermissions(apkovl, PosixFilePermissions.fromString("rw-------"));
    byte original;
    try (RandomAccessFile f = new RandomAccessFile(apkovl.toFile(), "rw")) {
      f.seek(100);
      original = f.readByte();
      f.seek(100);
      f.writeByte(original ^ 0x01);
    }
    Files.setLastModifiedTime(apkovl, mtime);

    Result r = Cli.run("replicate", "--repo", source, "--to", target);

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err())
        .contains("version " + id(second) + " of host rpi was not replicated")
        .contains("CORRUPT card/rpi.apkovl.tar.gz");
    assertThat(versions(target).stream().map(ReplicatePlainTest::id))
        .containsExactly(id(versions(source).get(0)));
    assertThat(hidden(target)).isEmpty();
    assertThat(Cli.run("verify", "--repo", target).exitCode()).isZero();

    // Repaired at the source, the version goes across on the next run.
    try (RandomAccessFile f = new RandomAccessFile(apkovl.toFile(), "rw")) {
      f.seek(100);
      f.writeByte(original);
    }
    Result again = Cli.run("replicate", "--repo", source, "--to", target);
    assertThat(again.exitCode()).as(again.toString()).isZero();
    assertThat(again.out()).contains("sent rpi " + id(second));
  }

  @Test
  void aTargetVersionOfTheSameNameWithOtherChecksumsIsNeverOverwritten() throws Exception {
    String source = plainSource();
    String target = tmp.resolve("offsite").toString();
    backup(source, 1);
    assertThat(Cli.run("replicate", "--repo", source, "--to", target).exitCode()).isZero();
    Path there = versions(target).get(0);
    Path sums = there.resolve("SHA256SUMS");
    Files.setPosixFilePermissions(there, PosixFilePermissions.fromString("rwx------"));
    Files.setPosixFilePermissions(sums, PosixFilePermissions.fromString("rw-------"));
    String mine = Files.readString(sums) + "0".repeat(64) + "  card/mine\n";
    Files.writeString(sums, mine);

    Result r = Cli.run("replicate", "--repo", source, "--to", target);

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err())
        .contains("version " + id(there) + " of host rpi exists in " + target)
        .contains("SHA256SUMS differs")
        .contains("never overwrites");
    assertThat(Files.readString(sums)).isEqualTo(mine);
  }

  @Test
  void btrfsVersionsReplicateIntoAPlainRepositoryAsHardLinkedTrees() throws Exception {
    Tools.requireRoot();
    Tools.require("mkfs.btrfs");
    try (BtrfsLoop a = BtrfsLoop.create(Files.createDirectories(tmp.resolve("a")), 512)) {
      String source = a.mountPoint().resolve("repo").toString();
      assertThat(Cli.run("init", "--repo", source, "--backend", "btrfs").exitCode()).isZero();
      backup(source, 1);
      backup(source, 2);
      String target = tmp.resolve("offsite").toString();
      assertThat(Cli.run("init", "--repo", target, "--backend", "plain").exitCode()).isZero();

      Result r = Cli.run("replicate", "--repo", source, "--to", target);

      assertThat(r.exitCode()).as(r.toString()).isZero();
      assertThat(r.out()).contains("replicated 2 version(s)");
      List<Path> dst = versions(target);
      assertThat(dst).hasSize(2);
      assertUnchangedFilesAreHardLinked(dst);
      for (Path v : dst) {
        Commands.check(v, "sha256sum", "--strict", "-c", "SHA256SUMS");
      }
      assertThat(Cli.run("verify", "--repo", target).exitCode()).isZero();
      Result again = Cli.run("replicate", "--repo", source, "--to", target);
      assertThat(again.out()).contains("replicated 0 version(s)").contains("2 already there");
    }
  }
}
