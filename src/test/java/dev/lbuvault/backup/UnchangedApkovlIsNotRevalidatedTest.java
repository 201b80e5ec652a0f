package dev.lbuvault.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.archive.HostileArchives;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9 #9: an apkovl with the same bytes as the newest version's was validated when that version
 * was stored; backups that find it unchanged must not decompress it again. Measured as the CPU time
 * of the backing-up thread, with an apkovl whose validation costs a 1 GiB decompression.
 */
class UnchangedApkovlIsNotRevalidatedTest {
  @TempDir Path tmp;

  @Test
  void backupsOfAnUnchangedApkovlCostAFractionOfTheFirstValidation() throws Exception {
    Path card = Cards.make(tmp.resolve("card"), "--no-boot-files");
    HostileArchives.bigMemberApkovl(card.resolve("rpi.apkovl.tar.gz"), 1L << 30);
    String repo = tmp.resolve("repo").toString();
    assertThat(Cli.run("init", "--repo", repo).exitCode()).isZero();

    long first = cpuMillisOfBackup(repo, card);
    long unchanged = cpuMillisOfBackup(repo, card);
    Files.writeString(card.resolve("new-file.txt"), "only this changed\n");
    long otherFileChanged = cpuMillisOfBackup(repo, card);

    assertThat(first).as("the first backup validates 1 GiB of tar").isGreaterThan(1_000);
    assertThat(unchanged)
        .as("CPU ms of an unchanged backup (first: %d)", first)
        .isLessThan(first / 4);
    assertThat(otherFileChanged)
        .as("CPU ms of a backup where only another file changed (first: %d)", first)
        .isLessThan(first / 4);
  }

  private static long cpuMillisOfBackup(String repo, Path card) {
    long before = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    Cli.Result r = Cli.run("backup", "--repo", repo, "--source", card.toString());
    long after = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    assertThat(r.exitCode()).as(r.toString()).isZero();
    return (after - before) / 1_000_000;
  }
}
