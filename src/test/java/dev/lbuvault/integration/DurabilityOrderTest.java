package dev.lbuvault.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.CliProcess;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.SyscallTrace;
import dev.lbuvault.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8 #8: a power cut after a command reports success loses nothing it reported. Real {@code
 * init}, first and second {@code backup} and {@code recover} to an image run under {@code strace -f
 * -y}; the trace of their system calls must show every new directory entry (a first backup's {@code
 * hosts/H}, {@code versions/}, {@code current/} included) followed by an fsync of its directory,
 * and every file time followed by an fsync of the file.
 */
class DurabilityOrderTest {
  @TempDir Path tmp;

  private SyscallTrace traced(String name, String... args) throws Exception {
    Path trace = tmp.resolve(name + ".strace");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Tools.require("strace").toString(),
                "-f",
                "-y",
                "-qq",
                "-o",
                trace.toString(),
                "-e",
                "trace=" + SyscallTrace.CALLS));
    cmd.addAll(CliProcess.command(List.of(), List.of(args)));
    Commands.Output out = Commands.run(tmp, cmd);
    assertThat(out.exitCode()).as(name + ": " + out.stderr() + out.stdout()).isZero();
    SyscallTrace t = SyscallTrace.read(trace);
    assertThat(t.size()).as(name + ": the trace holds the calls").isGreaterThan(3);
    return t;
  }

  @Test
  void everyEntryAndFileTimeOfInitBackupAndRecoverIsFsyncedBeforeTheCommandEnds() throws Exception {
    Path card = Cards.make(tmp.resolve("card"));
    Path repo = tmp.resolve("repo");
    Path out = Files.createDirectories(tmp.resolve("out"));

    SyscallTrace init = traced("init", "init", "--repo", repo.toString(), "--backend", "plain");
    SyscallTrace first =
        traced("first", "backup", "--repo", repo.toString(), "--source", card.toString());
    Files.writeString(card.resolve("usercfg.txt"), "# changed\n");
    Files.createDirectories(card.resolve("spool/empty"));
    SyscallTrace second =
        traced("second", "backup", "--repo", repo.toString(), "--source", card.toString());
    SyscallTrace recover =
        traced(
            "recover",
            "recover",
            "--repo",
            repo.toString(),
            "--to",
            out.resolve("card.img").toString());

    assertThat(init.violationsUnder(tmp)).as("init").isEmpty();
    assertThat(first.violationsUnder(repo)).as("first backup").isEmpty();
    assertThat(second.violationsUnder(repo)).as("second backup").isEmpty();
    assertThat(recover.violationsUnder(out)).as("recover to an image").isEmpty();
  }
}
