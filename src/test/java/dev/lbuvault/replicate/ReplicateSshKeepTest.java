package dev.lbuvault.replicate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.cli.ExitCodes;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Cli.Result;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.SshReceiver;
import dev.lbuvault.testing.Sshd;
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
 * replicate --to ssh://... --keep-*: the far side applies the rules itself, and only when the owner
 * of that side allowed it ({@code lbuvault receive --restrict-path DIR --allow-prune} in
 * authorized_keys). A real sshd on 127.0.0.1 and two real btrfs filesystems; btrfs's received UUIDs
 * and the far directory's contents are the judges.
 */
class ReplicateSshKeepTest {
  @TempDir Path tmp;
  @RegisterExtension final TwoBtrfsRepositories two = new TwoBtrfsRepositories();
  @RegisterExtension final SshReceiver far = new SshReceiver();
  Sshd sshd;
  String source;
  String target;
  int seed;

  @BeforeEach
  void setUp() throws Exception {
    sshd = far.sshd();
    source = two.source();
    target = two.target();
  }

  /** The exact authorized_keys command of docs/offsite.md, with or without --allow-prune. */
  private void authorize(Path key, boolean allowPrune) throws Exception {
    far.authorize(key, two.restrict(), allowPrune);
  }

  private Result replicate(Path key, String... extra) {
    return far.replicate(source, sshd.url(target), key, sshd.sshOptions(), extra);
  }

  private void backup() throws Exception {
    two.backup(++seed);
  }

  private static List<String> versions(String repo) throws Exception {
    return TwoBtrfsRepositories.ids(repo);
  }

  private Path version(String repo, String id) {
    return Path.of(repo, "hosts/rpi/versions", id);
  }

  @Test
  void theFarSideAppliesKeepAndTheNextSendIsStillIncrementalFromTheKeptParent() throws Exception {
    authorize(sshd.identity(), true);
    for (int i = 0; i < 4; i++) {
      backup();
    }
    Result all = replicate(sshd.identity());
    assertThat(all.exitCode()).as(all.toString()).isZero();
    List<String> src = versions(source);
    assertThat(versions(target)).isEqualTo(src);

    Result plan = replicate(sshd.identity(), "--keep-last", "2", "--dry-run");
    assertThat(plan.exitCode()).as(plan.toString()).isZero();
    assertThat(plan.out())
        .contains("would remove from target rpi " + src.get(0))
        .contains("would remove from target rpi " + src.get(1))
        .doesNotContain("would remove from target rpi " + src.get(2));
    assertThat(versions(target)).as("a dry run deletes nothing").isEqualTo(src);

    backup();
    String fifth = versions(source).get(4);
    Result keep = replicate(sshd.identity(), "--keep-last", "2");
    assertThat(keep.exitCode()).as(keep.toString()).isZero();
    assertThat(keep.out())
        .contains("sent rpi " + fifth + " (incremental from " + src.get(3) + ")")
        .contains("removed from target rpi " + src.get(0))
        .contains("removed from target rpi " + src.get(1))
        .contains("removed from target rpi " + src.get(2))
        .contains("removed 3 from the target");
    assertThat(versions(target)).containsExactly(src.get(3), fifth);
    assertThat(versions(source)).as("the source is never pruned").hasSize(5);

    backup();
    String sixth = versions(source).get(5);
    Result next = replicate(sshd.identity(), "--keep-last", "2", "--json");
    assertThat(next.exitCode()).as(next.toString()).isZero();
    assertThat(next.out())
        .containsPattern("\"id\":\\s*\"" + sixth + "\",\\s*\"parent\":\\s*\"" + fifth + "\"")
        .containsPattern("\"removed\":\\s*\\[\\s*\"" + src.get(3) + "\"\\s*\\]");
    assertThat(versions(target)).containsExactly(fifth, sixth);
    assertThat(TwoBtrfsRepositories.field(version(target, sixth), "Received UUID"))
        .isEqualTo(TwoBtrfsRepositories.field(version(source, sixth), "UUID"));
    Commands.check(version(target, sixth), "sha256sum", "--strict", "-c", "SHA256SUMS");
    Result verify = Cli.run("verify", "--repo", target);
    assertThat(verify.exitCode()).as(verify.toString()).isZero();
  }

  @Test
  void versionsTheFarSideWouldPruneOnArrivalAreNotSent() throws Exception {
    authorize(sshd.identity(), true);
    for (int i = 0; i < 3; i++) {
      backup();
    }
    List<String> src = versions(source);

    Result r = replicate(sshd.identity(), "--keep-last", "1");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("not sent rpi " + src.get(0))
        .contains("not sent rpi " + src.get(1))
        .contains("sent rpi " + src.get(2) + " (full)");
    assertThat(versions(target)).containsExactly(src.get(2));
  }

  @Test
  void withoutAllowPruneThePruneIsRefusedNothingIsDeletedAndLaterHostsStillGetTheirCopies()
      throws Exception {
    authorize(sshd.identity(), false);
    for (int i = 0; i < 3; i++) {
      backup();
    }
    assertThat(replicate(sshd.identity()).exitCode()).isZero();
    backup();
    List<String> src = versions(source);
    // A second host, after rpi in the run's order: its version must still go after rpi's refusal.
    Path other = Cards.make(tmp.resolve("zero-card"), "--host", "zero");
    Result zero = Cli.run("backup", "--repo", source, "--source", other.toString());
    assertThat(zero.exitCode()).as(zero.toString()).isZero();

    Result r = replicate(sshd.identity(), "--keep-last", "1");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.SSH_REFUSED);
    assertThat(r.err())
        .hasLineCount(1)
        .contains(sshd.url(target))
        .contains("refused to prune")
        .contains("--allow-prune")
        .contains("nothing was removed");
    assertThat(versions(target)).as("sent, and nothing deleted").isEqualTo(src);
    try (Stream<Path> copies = Files.list(Path.of(target, "hosts", "zero", "versions"))) {
      assertThat(copies.map(p -> p.getFileName().toString())).hasSize(1);
    }
  }

  @Test
  void hostilePruneLinesOverSshAreRefusedWithExit3AndDeleteNothing() throws Exception {
    authorize(sshd.identity(), true);
    Path noPrune = sshd.newIdentity("noprune");
    authorize(noPrune, false);
    for (int i = 0; i < 3; i++) {
      backup();
    }
    assertThat(replicate(sshd.identity()).exitCode()).isZero();
    List<String> before = versions(target);
    String rules = "last:1 daily:0 weekly:0 monthly:0 yearly:0 within:0";
    String prune = "lbuvault receive prune " + target + " rpi ";
    String elsewhere = two.targetFilesystem().resolve("elsewhere").toString();
    String[][] cases = {
      {prune + "parent:- zone:UTC last:0 daily:0 weekly:0 monthly:0 yearly:0 within:0", "every"},
      {prune + "parent:- zone:UTC last:1", "takes 10 arguments"},
      {prune + "parent:- zone:UTC " + rules + "; rm -rf /", "without quotes or shell syntax"},
      {prune + "parent:- zone:../../etc/localtime " + rules, "not a time zone"},
      {prune + "parent:../../x zone:UTC " + rules, "not a version id"},
      {"lbuvault receive prune " + elsewhere + " rpi parent:- zone:UTC " + rules, "may only use"},
      {"lbuvault prune --repo " + target + " --keep-last 1", "only \"lbuvault receive"},
    };
    for (String[] c : cases) {
      Commands.Output o = Commands.run(null, sshd.sshCommand(sshd.identity(), c[0]));
      assertThat(o.exitCode()).as(c[0] + ": " + o.stderr()).isEqualTo(ExitCodes.UNSAFE);
      assertThat(o.stdout()).as(c[0]).isEmpty();
      assertThat(o.stderr()).as(c[0]).startsWith("lbuvault: refused").contains(c[1]);
    }
    Commands.Output denied =
        Commands.run(null, sshd.sshCommand(noPrune, prune + "parent:- zone:UTC " + rules));
    assertThat(denied.exitCode()).as(denied.stderr()).isEqualTo(ExitCodes.UNSAFE);
    assertThat(denied.stderr()).contains("--allow-prune").hasLineCount(1);
    assertThat(versions(target)).as("nothing deleted").isEqualTo(before);

    Commands.Output allowed =
        Commands.run(null, sshd.sshCommand(sshd.identity(), prune + "parent:- zone:UTC " + rules));
    assertThat(allowed.exitCode()).as(allowed.stderr()).isZero();
    assertThat(allowed.stdout()).startsWith("lbuvault-prune 1\n");
    assertThat(versions(target)).containsExactly(before.get(2));
  }
}
