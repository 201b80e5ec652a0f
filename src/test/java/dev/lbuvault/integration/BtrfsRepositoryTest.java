package dev.lbuvault.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.cli.ExitCodes;
import dev.lbuvault.testing.BtrfsLoop;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Cli.Result;
import dev.lbuvault.testing.Commands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The foundation's promises on a real btrfs filesystem on a loop device. */
class BtrfsRepositoryTest {
  @TempDir static Path work;
  static BtrfsLoop btrfs;
  Path card;
  String repo;

  @BeforeAll
  static void mount() throws Exception {
    btrfs = BtrfsLoop.create(work, 512);
  }

  @AfterAll
  static void unmount() throws Exception {
    if (btrfs != null) {
      btrfs.close();
    }
  }

  @BeforeEach
  void setUp(@TempDir Path tmp) throws Exception {
    card = Cards.make(tmp.resolve("card"));
    Path dir = Files.createTempDirectory(btrfs.mountPoint(), "repo-");
    Files.delete(dir);
    repo = dir.toString();
    Result init = Cli.run("init", "--repo", repo);
    assertThat(init.out()).contains("backend btrfs");
  }

  private Result backup() {
    return Cli.run("backup", "--repo", repo, "--source", card.toString());
  }

  private Path latest() throws Exception {
    try (var s = Files.list(Path.of(repo, "hosts/rpi/versions"))) {
      return s.filter(p -> !p.getFileName().toString().startsWith("."))
          .sorted()
          .reduce((a, b) -> b)
          .orElseThrow();
    }
  }

  /** The version subvolumes of this test's repository, as btrfs-progs lists them. */
  private List<String> versionSubvolumes() throws Exception {
    String prefix = Path.of(repo).getFileName() + "/hosts/rpi/versions/";
    return Commands.check(null, "btrfs", "subvolume", "list", btrfs.mountPoint().toString())
        .lines()
        .map(line -> line.substring(line.indexOf(" path ") + 6))
        .filter(path -> path.startsWith(prefix))
        .toList();
  }

  @Test
  void eachVersionIsAReadOnlySubvolumeThatSha256sumAccepts() throws Exception {
    assertThat(backup().exitCode()).isZero();
    Path v = latest();
    assertThat(versionSubvolumes())
        .containsExactly(Path.of(repo).getFileName() + "/hosts/rpi/versions/" + v.getFileName());
    assertThat(Commands.check(null, "btrfs", "property", "get", "-ts", v.toString(), "ro").strip())
        .isEqualTo("ro=true");
    assertThat(
            Commands.check(
                null, "btrfs", "subvolume", "show", Path.of(repo, "hosts/rpi/current").toString()))
        .contains("Name:");
    Commands.Output check =
        Commands.run(v, List.of("sha256sum", "--strict", "--quiet", "-c", "SHA256SUMS"));
    assertThat(check.exitCode()).as(check.stdout() + check.stderr()).isZero();
    assertThat(Commands.check(null, "diff", "-r", card.toString(), v.resolve("card").toString()))
        .isEmpty();
  }

  @Test
  void anUnchangedCardMakesNoNewSnapshot() throws Exception {
    backup();
    Result again = backup();
    assertThat(again.out()).startsWith("unchanged");
    assertThat(versionSubvolumes()).hasSize(1);
  }

  @Test
  void aFlippedByteInASnapshotIsReportedWithExitFour() throws Exception {
    backup();
    Path v = latest();
    Commands.check(null, "btrfs", "property", "set", "-ts", v.toString(), "ro", "false");
    Path config = v.resolve("card/config.txt");
    byte[] bytes = Files.readAllBytes(config);
    bytes[0] ^= 0x20;
    Files.write(config, bytes);
    Commands.check(null, "btrfs", "property", "set", "-ts", v.toString(), "ro", "true");
    Result verify = Cli.run("verify", "--repo", repo);
    assertThat(verify.exitCode()).isEqualTo(ExitCodes.DAMAGED);
    assertThat(verify.out()).contains("CORRUPT card/config.txt");
  }

  @Test
  void aBusyCardExitsFiveAndATruncatedApkovlExitsOneWithoutANewSnapshot() throws Exception {
    backup();
    Files.writeString(card.resolve("rpi.apkovl.tar.gz.new"), "partial");
    assertThat(backup().exitCode()).isEqualTo(ExitCodes.BUSY);
    Files.delete(card.resolve("rpi.apkovl.tar.gz.new"));
    Path apkovl = card.resolve("rpi.apkovl.tar.gz");
    byte[] bytes = Files.readAllBytes(apkovl);
    Files.write(apkovl, java.util.Arrays.copyOf(bytes, bytes.length - 100));
    Result truncated = backup();
    assertThat(truncated.exitCode()).isEqualTo(ExitCodes.FAILURE);
    assertThat(truncated.err()).contains("rpi.apkovl.tar.gz");
    assertThat(versionSubvolumes()).hasSize(1);
  }

  @Test
  void pruneDeletesTheSubvolumesTheRulesDoNotKeep() throws Exception {
    backup();
    for (int seed = 30; seed < 34; seed++) {
      Cards.apkovl(card.resolve("rpi.apkovl.tar.gz"), "rpi", seed);
      assertThat(backup().exitCode()).isZero();
    }
    Result prune = Cli.run("prune", "--repo", repo, "--keep-last", "3");
    assertThat(prune.exitCode()).as(prune.toString()).isZero();
    assertThat(versionSubvolumes()).hasSize(3);
    assertThat(Cli.run("verify", "--repo", repo).exitCode()).isZero();
  }
}
