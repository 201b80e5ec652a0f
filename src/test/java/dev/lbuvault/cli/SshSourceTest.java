package dev.lbuvault.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Cli.Result;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Leftovers;
import dev.lbuvault.testing.Sshd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code backup --source ssh://...} against a real OpenSSH server on 127.0.0.1 holding a real card
 * directory: what is stored is judged by {@code sha256sum -c} and by a backup of the same card from
 * its local path; every way the remote read can fail has its own exit code and stores nothing.
 */
class SshSourceTest {
  @TempDir Path tmp;
  Sshd sshd;
  Path card;
  String repo;

  @BeforeEach
  void setUp() throws Exception {
    sshd = Sshd.start();
    sshd.authorize();
    card = Cards.make(tmp.resolve("card"));
    repo = tmp.resolve("repo").toString();
    assertThat(Cli.run("init", "--repo", repo).exitCode()).isZero();
  }

  @AfterEach
  void tearDown() throws IOException {
    sshd.close();
  }

  private Result pull(String url, String... more) {
    return pullWith(sshd.identity(), url, more);
  }

  private Result pullWith(Path key, String url, String... more) {
    List<String> args = new ArrayList<>(List.of("backup", "--repo", repo, "--source", url));
    args.addAll(sshd.cliOptions(key));
    args.addAll(List.of(more));
    return Cli.run(args.toArray(String[]::new));
  }

  private static List<Path> versions(String repo) throws IOException {
    Path dir = Path.of(repo, "hosts", "rpi", "versions");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> Files.isRegularFile(p.resolve("SHA256SUMS"))).sorted().toList();
    }
  }

  @Test
  void aCardPulledOverSshIsStoredExactlyAsABackupOfItsLocalPath() throws Exception {
    Result r = pull(sshd.url(card.toString()));

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("stored version");
    Path pulled = versions(repo).get(0);
    Commands.Output check =
        Commands.run(pulled, List.of("sha256sum", "--quiet", "--strict", "-c", "SHA256SUMS"));
    assertThat(check.exitCode()).as(check.toString()).isZero();
    String localRepo = tmp.resolve("local-repo").toString();
    assertThat(Cli.run("init", "--repo", localRepo).exitCode()).isZero();
    Result local = Cli.run("backup", "--repo", localRepo, "--source", card.toString());
    assertThat(local.exitCode()).as(local.toString()).isZero();
    Path fromLocal = versions(localRepo).get(0);
    assertThat(Files.readString(pulled.resolve("SHA256SUMS")))
        .isEqualTo(Files.readString(fromLocal.resolve("SHA256SUMS")));
    assertThat(Commands.check(null, "diff", "-r", fromLocal + "/card", pulled + "/card")).isEmpty();
    assertThat(Files.readString(pulled.resolve("version.json")))
        .contains(sshd.url(card.toString()));
  }

  @Test
  void anUnchangedRemoteCardSendsNoFileAndAChangedApkovlSendsOnlyItself() throws Exception {
    assertThat(pull(sshd.url(card.toString())).exitCode()).isZero();

    Result again = pull(sshd.url(card.toString()), "--json");
    Path apkovl = card.resolve("rpi.apkovl.tar.gz");
    Cards.apkovl(apkovl, "rpi", 7);
    Result changed = pull(sshd.url(card.toString()), "--json");

    assertThat(again.exitCode()).as(again.toString()).isZero();
    assertThat(again.out()).contains("\"result\": \"unchanged\"").contains("\"bytesCopied\": 0,");
    assertThat(changed.exitCode()).as(changed.toString()).isZero();
    assertThat(changed.out())
        .contains("\"result\": \"stored\"")
        .contains("\"bytesCopied\": " + Files.size(apkovl) + ",");
    assertThat(versions(repo)).hasSize(2);
  }

  @Test
  void anUnreachableHostIsExit6NamingHostAndPath() throws Exception {
    String url = sshd.url(card.toString());
    Path key = Files.copy(sshd.identity(), tmp.resolve("id"));
    sshd.close(); // nothing listens on its port any more

    Result r = pullWith(key, url);

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.SSH_UNREACHABLE);
    assertThat(r.err().lines()).hasSize(1);
    assertThat(r.err()).contains("cannot reach root@127.0.0.1").contains(url);
    assertThat(versions(repo)).isEmpty();
  }

  @Test
  void aKeyTheHostRefusesIsExit7() throws Exception {
    Path stranger = sshd.newIdentity("stranger");

    Result r = pullWith(stranger, sshd.url(card.toString()));

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.SSH_REFUSED);
    assertThat(r.err().lines()).hasSize(1);
    assertThat(r.err()).contains("ssh login to root@127.0.0.1 refused").contains("--ssh-identity");
    assertThat(versions(repo)).isEmpty();
  }

  @Test
  void aHostKeyNotInKnownHostsIsExit7() throws Exception {
    Path empty = Files.createFile(tmp.resolve("known_hosts"));

    Result strict =
        Cli.run(
            "backup",
            "--repo",
            repo,
            "--source",
            sshd.url(card.toString()),
            "--ssh-identity",
            sshd.identity().toString(),
            "--ssh-option",
            "UserKnownHostsFile=" + empty,
            "--ssh-option",
            "GlobalKnownHostsFile=/dev/null");
    assertThat(strict.exitCode()).as(strict.toString()).isEqualTo(ExitCodes.SSH_REFUSED);
    assertThat(strict.err()).contains("host key of root@127.0.0.1 is not in known_hosts");
  }

  @Test
  void aMissingRemoteDirectoryIsExit8() throws Exception {
    String url = sshd.url(tmp.resolve("no such card").toString());

    Result r = pull(url);

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.SSH_NO_PATH);
    assertThat(r.err().lines()).hasSize(1);
    assertThat(r.err()).contains("no directory " + tmp.resolve("no such card")).contains(url);
  }

  @Test
  void aTarStreamCutOffMidwayIsExit9AndStoresNothing() throws Exception {
    // The host runs every command, but cuts any tar stream after 300 kB and claims success.
    Path cutter = tmp.resolve("cutter.sh");
    Files.writeString(
        cutter,
        "#!/bin/sh\n"
            + "case \"$SSH_ORIGINAL_COMMAND\" in\n"
            + "  *'tar -cf'*) sh -c \"$SSH_ORIGINAL_COMMAND\" | head -c 300000; exit 0 ;;\n"
            + "  *) exec sh -c \"$SSH_ORIGINAL_COMMAND\" ;;\n"
            + "esac\n");
    Files.setPosixFilePermissions(cutter, PosixFilePermissions.fromString("rwx------"));
    Path cut = sshd.newIdentity("cut");
    sshd.authorizeForcedCommand(cut, cutter.toString());

    Result r = pullWith(cut, sshd.url(card.toString()));

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.SSH_TRANSFER);
    assertThat(r.err().lines()).hasSize(1);
    assertThat(r.err()).contains("broke off").contains(sshd.url(card.toString()));
    assertThat(versions(repo)).isEmpty();
    assertThat(Leftovers.tempEntries(Path.of(repo))).isEmpty();
    assertThat(Leftovers.lockFree(Path.of(repo))).isTrue();
  }

  @Test
  void aCardBeingCommittedIsBusyExactlyAsALocalOne() throws Exception {
    Files.writeString(card.resolve("rpi.apkovl.tar.gz.new"), "half");

    Result r = pull(sshd.url(card.toString()));

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.BUSY);
    assertThat(r.err()).contains("card busy").contains("rpi.apkovl.tar.gz.new");
  }

  @Test
  void aDamagedApkovlIsRefusedWithTheLocalSourcesMessageAndCode() throws Exception {
    Path apkovl = card.resolve("rpi.apkovl.tar.gz");
    byte[] bytes = Files.readAllBytes(apkovl);
    Files.write(apkovl, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    Files.setLastModifiedTime(
        apkovl, java.nio.file.attribute.FileTime.fromMillis(1_700_000_000_000L));
    String localRepo = tmp.resolve("local-repo").toString();
    assertThat(Cli.run("init", "--repo", localRepo).exitCode()).isZero();

    Result remote = pull(sshd.url(card.toString()));
    Result local = Cli.run("backup", "--repo", localRepo, "--source", card.toString());

    assertThat(local.exitCode()).isNotZero();
    assertThat(remote.exitCode()).as(remote.toString()).isEqualTo(local.exitCode());
    assertThat(remote.err()).isEqualTo(local.err().replace(localRepo, repo));
    assertThat(versions(repo)).isEmpty();
  }

  @Test
  void aBadUrlOrSshOptionsForALocalSourceAreUsageErrors() {
    Result port = Cli.run("backup", "--repo", repo, "--source", "ssh://pi2:99999/media");
    Result local =
        Cli.run("backup", "--repo", repo, "--source", card.toString(), "--ssh-option", "A=b");

    assertThat(port.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(port.err()).contains("ssh port must be 1-65535");
    assertThat(local.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(local.err()).contains("apply only to an ssh://");
  }
}
