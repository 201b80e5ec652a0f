package dev.lbuvault.replicate;

import static dev.lbuvault.testing.TwoBtrfsRepositories.entries;
import static dev.lbuvault.testing.TwoBtrfsRepositories.id;
import static dev.lbuvault.testing.TwoBtrfsRepositories.ids;
import static dev.lbuvault.testing.TwoBtrfsRepositories.versions;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.cli.ExitCodes;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Cli.Result;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.SshReceiver;
import dev.lbuvault.testing.Sshd;
import dev.lbuvault.testing.Tools;
import dev.lbuvault.testing.TwoBtrfsRepositories;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * replicate --to ssh://... end to end: a real sshd on 127.0.0.1 whose only key for us is the
 * restricted one of docs/offsite.md ({@code command="lbuvault receive --restrict-path
 * DIR",restrict}), running this build's CLI through a launcher script as the far side; two real
 * btrfs filesystems on loop devices; btrfs, sha256sum and the target's own list, verify and recover
 * as judges.
 */
class ReplicateSshTest {
  @TempDir Path tmp;
  @RegisterExtension final TwoBtrfsRepositories two = new TwoBtrfsRepositories();
  @RegisterExtension final SshReceiver far = new SshReceiver();
  Sshd sshd;

  @BeforeEach
  void setUp() throws Exception {
    Tools.require("zstd");
    sshd = far.sshd();
    far.authorize(sshd.identity(), two.restrict(), false);
  }

  private Result replicate(String to, String... extra) {
    return far.replicate(two.source(), to, extra);
  }

  @Test
  void versionsGoOverSshFullThenIncrementalAndTheTargetIsARepositoryOfItsOwn() throws Exception {
    two.backup(1);
    two.backup(2);
    two.backup(3);
    List<Path> src = versions(two.source());

    Result plan = replicate(sshd.url(two.target()), "--dry-run");
    assertThat(plan.exitCode()).as(plan.toString()).isZero();
    assertThat(plan.out()).contains("would send rpi " + id(src.get(0)) + " (full)");
    assertThat(Path.of(two.target())).doesNotExist();

    Result r = replicate(sshd.url(two.target()), "--compress", "none");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("sent rpi " + id(src.get(0)) + " (full)")
        .contains("sent rpi " + id(src.get(1)) + " (incremental from " + id(src.get(0)) + ")")
        .contains("sent rpi " + id(src.get(2)) + " (incremental from " + id(src.get(1)) + ")")
        .contains("replicated 3 version(s) to " + sshd.url(two.target()));
    assertThat(ids(two.target())).containsExactlyElementsOf(ids(two.source()));
    for (Path version : src) {
      two.assertReceived(id(version));
    }
    assertThat(entries(two.target())).noneMatch(n -> n.startsWith("."));

    two.assertTargetStandsAlone(3, tmp.resolve("card.img"));

    Result again = replicate(sshd.url(two.target()));
    assertThat(again.out()).contains("replicated 0 version(s)").contains("3 already there");
    two.backup(4);
    Result zstd = replicate(sshd.url(two.target()), "--compress", "zstd");
    assertThat(zstd.exitCode()).as(zstd.toString()).isZero();
    Path fourth = versions(two.source()).get(3);
    assertThat(zstd.out())
        .contains("sent rpi " + id(fourth) + " (incremental from " + id(src.get(2)) + ")");
    two.assertReceived(id(fourth));
  }

  @Test
  void theRestrictedKeyRunsNothingButReceiveInsideItsPath() throws Exception {
    Path elsewhere = Files.createDirectories(two.targetFilesystem().resolve("elsewhere"));
    for (String[] c :
        new String[][] {
          {"id", "only \"lbuvault receive"},
          {"cat /etc/shadow", "only \"lbuvault receive"},
          {"sh -c 'touch " + elsewhere + "/x'", "without quotes or shell syntax"},
          {"lbuvault receive prepare " + elsewhere + " rpi", "may only use " + two.restrict()},
        }) {
      Commands.Output o = Commands.run(null, sshd.sshCommand(sshd.identity(), c[0]));
      assertThat(o.exitCode()).as(c[0] + ": " + o.stderr()).isEqualTo(ExitCodes.UNSAFE);
      assertThat(o.stdout()).as(c[0]).isEmpty();
      assertThat(o.stderr()).as(c[0]).contains("lbuvault: refused").contains(c[1]);
    }

    two.backup(1);
    Result r = replicate(sshd.url(elsewhere.resolve("offsite").toString()));
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.SSH_REFUSED);
    assertThat(r.err().lines()).hasSize(1);
    assertThat(r.err()).contains("exited 3").contains("may only use " + two.restrict());
    try (Stream<Path> s = Files.list(elsewhere)) {
      assertThat(s).isEmpty();
    }
  }

  @Test
  void aPlainRepositoryIsRefusedOverSshWithOneLineSayingWhatToDo() throws Exception {
    String plain = tmp.resolve("plain").toString();
    assertThat(Cli.run("init", "--repo", plain, "--backend", "plain").exitCode()).isZero();
    Result r =
        Cli.run(
            "replicate",
            "--repo",
            plain,
            "--to",
            sshd.url(two.target()),
            "--ssh-identity",
            sshd.identity().toString());
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err())
        .hasLineCount(1)
        .contains(plain)
        .contains("plain backend")
        .contains("only btrfs snapshots")
        .contains("--to DIR");
    assertThat(Path.of(two.target())).doesNotExist();
  }
}
