package dev.lbuvault.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Commands;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RepositoryStatsTest {
  @Test
  void sharedFilesAreCountedOnceLikeDu(@TempDir Path tmp) throws Exception {
    Path card = Cards.make(tmp.resolve("card"));
    Path repo = tmp.resolve("repo");
    assertThat(Cli.run("init", "--repo", repo.toString(), "--backend", "plain").exitCode())
        .isZero();
    assertThat(Cli.run("backup", "--repo", repo.toString(), "--source", card.toString()).exitCode())
        .isZero();
    Repository r = Repository.open(repo, ProcessRunner.system());
    RepositoryStats one = RepositoryStats.of(r, "rpi");
    assertThat(one.versions()).isEqualTo(1);

    Cards.apkovl(card.resolve("rpi.apkovl.tar.gz"), "rpi", 9);
    assertThat(Cli.run("backup", "--repo", repo.toString(), "--source", card.toString()).exitCode())
        .isZero();
    RepositoryStats two = RepositoryStats.of(r, "rpi");
    assertThat(two.versions()).isEqualTo(2);
    assertThat(two.newest()).contains(r.newest("rpi").orElseThrow().id().time());
    // du -l counts hard links every time, plain du once: the size matches du's apparent bytes of
    // the files, counted once per inode.
    String du =
        Commands.check(
            null,
            "sh",
            "-c",
            "find "
                + repo.resolve("hosts/rpi/versions")
                + " -type f -printf '%i %s\\n' | sort -u -k1,1 | awk '{s+=$2} END {print s}'");
    assertThat(two.sizeBytes()).isEqualTo(Long.parseLong(du.strip()));
    // the second version added about the apkovl and its metadata, not another card
    assertThat(two.sizeBytes() - one.sizeBytes()).isLessThan(64 * 1024);
  }
}
