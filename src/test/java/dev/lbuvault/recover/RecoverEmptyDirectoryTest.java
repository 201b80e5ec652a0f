package dev.lbuvault.recover;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.CardImages;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Everything on the card comes back, directories included: an empty directory backed up (a fresh
 * host's {@code cache/}) is on the recovered card, as mtools reads it, and fsck.fat finds the
 * filesystem clean.
 */
class RecoverEmptyDirectoryTest {
  @TempDir Path tmp;

  @Test
  void emptyDirectoriesOnTheCardAreOnTheRecoveredCard() throws Exception {
    Tools.require("mdir");
    Tools.require("sfdisk");
    Path card = Cards.make(tmp.resolve("card"));
    Files.createDirectories(card.resolve("spool"));
    Files.createDirectories(card.resolve("x1/y2/z3"));
    String repo = tmp.resolve("repo").toString();
    assertThat(Cli.run("init", "--repo", repo).exitCode()).isZero();
    Cli.Result backup = Cli.run("backup", "--repo", repo, "--source", card.toString());
    assertThat(backup.exitCode()).as(backup.toString()).isZero();

    Path image = tmp.resolve("card.img");
    Cli.Result r = Cli.run("recover", "--repo", repo, "--to", image.toString(), "--yes");
    assertThat(r.exitCode()).as(r.toString()).isZero();

    String listing =
        Commands.check(
            null,
            "env",
            "MTOOLS_SKIP_CHECK=1",
            "LC_ALL=C.UTF-8",
            "mdir",
            "-/",
            "-b",
            "-i",
            CardImages.mtoolsImage(image),
            "::/");
    List<String> lines = listing.lines().map(String::strip).toList();
    assertThat(lines).contains("::/spool/", "::/x1/y2/z3/");
    long partitionBytes =
        Long.parseLong(
                Commands.check(null, "sfdisk", "--dump", image.toString())
                    .lines()
                    .filter(l -> l.contains("start=") && l.contains("size="))
                    .findFirst()
                    .orElseThrow()
                    .replaceAll(".*size=\\s*(\\d+).*", "$1"))
            * 512;
    Commands.Output fsck = CardImages.fsck(image, partitionBytes);
    assertThat(fsck.exitCode()).as(fsck.stdout() + fsck.stderr()).isZero();
    Path out = CardImages.extract(image, tmp.resolve("extracted"));
    assertThat(out.resolve("spool")).isEmptyDirectory();
    assertThat(out.resolve("x1/y2/z3")).isEmptyDirectory();
  }
}
