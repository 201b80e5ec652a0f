package dev.lbuvault.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.cli.ExitCodes;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Cli.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A version directory renamed by hand is flagged by list and verify, and "latest" refuses it. */
class RenamedVersionTest {
  @TempDir Path tmp;

  @Test
  void anOldVersionRenamedToANewerIdIsFlaggedAndLatestRefusesIt() throws Exception {
    Path card = Cards.make(tmp.resolve("card"));
    String repo = tmp.resolve("repo").toString();
    assertThat(Cli.run("init", "--repo", repo, "--backend", "plain").exitCode()).isZero();
    assertThat(Cli.run("backup", "--repo", repo, "--source", card.toString()).exitCode()).isZero();
    Path versions = Path.of(repo, "hosts/rpi/versions");
    List<Path> all;
    try (var s = Files.list(versions)) {
      all = s.sorted().toList();
    }
    String original = all.get(0).getFileName().toString();
    Files.move(all.get(0), versions.resolve("20991231T235959Z"));

    Result list = Cli.run("list", "--repo", repo);
    assertThat(list.exitCode()).isZero();
    assertThat(list.out())
        .contains("20991231T235959Z")
        .contains("RENAMED: version.json says " + original);
    Result show = Cli.run("show", "--repo", repo, "latest");
    assertThat(show.exitCode()).as(show.toString()).isNotZero();
    assertThat(show.err()).contains("renamed by hand").contains("rename it back to " + original);
    Result verify = Cli.run("verify", "--repo", repo);
    assertThat(verify.exitCode()).isEqualTo(ExitCodes.DAMAGED);
    assertThat(verify.out())
        .contains("records id " + original + ", but the directory is 20991231T235959Z");
  }
}
