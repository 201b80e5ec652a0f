package dev.lbuvault.replicate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.cli.ExitCodes;
import dev.lbuvault.testing.Cli.Result;
import dev.lbuvault.testing.SshReceiver;
import dev.lbuvault.testing.Sshd;
import dev.lbuvault.testing.TwoBtrfsRepositories;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * replicate --to ssh://... fails with the ssh pull's exit codes, each fault provoked for real
 * against a real sshd on 127.0.0.1: a closed port (6), a key the server does not know and a host
 * key not in known_hosts (7), a path whose parent is missing, a directory that is not a repository
 * and a forced command that does not exist there (8), and the far side killed mid-stream or its
 * connection cut (9). Each failure is one line naming the target, and nothing half-received ever
 * shows on the far side.
 */
class ReplicateSshExitCodesTest {
  @TempDir Path tmp;
  @RegisterExtension final TwoBtrfsRepositories two = new TwoBtrfsRepositories();
  @RegisterExtension final SshReceiver far = new SshReceiver();
  Sshd sshd;
  String source;
  Path restrict;
  String target;
  Path launcher;

  @BeforeEach
  void setUp() throws Exception {
    sshd = far.sshd();
    source = two.source();
    restrict = two.restrict();
    target = two.target();
    launcher = far.launcher();
    two.backup(1);
  }

  private Path script(String name, String text) throws Exception {
    Path script = Files.createDirectories(tmp.resolve("bin")).resolve(name);
    Files.writeString(script, text);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return script;
  }

  private void authorizeReceive() throws Exception {
    far.authorize(sshd.identity(), restrict, false);
  }

  /** The far side runs {@code program} (a wrapper of the launcher, or no lbuvault) as receive. */
  private void authorizeThrough(Path program) throws Exception {
    far.authorizeThrough(sshd.identity(), program, restrict, false);
  }

  private Result replicate(String to, Path key, List<String> sshOptions) {
    return far.replicate(source, to, key, sshOptions);
  }

  private Result replicate(String to) {
    return far.replicate(source, to);
  }

  private static void assertOneLine(Result r, int code, String... parts) {
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(code);
    assertThat(r.err()).as(r.toString()).hasLineCount(1).startsWith("lbuvault: ").contains(parts);
  }

  private List<String> published() throws Exception {
    Path versions = Path.of(target, "hosts/rpi/versions");
    if (!Files.isDirectory(versions)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(versions)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).toList();
    }
  }

  @Test
  void aClosedPortIsExit6NamingTheTarget() throws Exception {
    authorizeReceive();
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    String url = "ssh://" + sshd.user() + "@127.0.0.1:" + closed + target;

    Result r = replicate(url);

    assertOneLine(r, ExitCodes.SSH_UNREACHABLE, "cannot reach " + url, "Connection refused");
    assertThat(Path.of(target)).doesNotExist();
  }

  @Test
  void anUnknownKeyAndAnUnknownHostKeyAreExit7() throws Exception {
    authorizeReceive();
    Path stranger = sshd.newIdentity("stranger");

    Result key = replicate(sshd.url(target), stranger, sshd.sshOptions());
    assertOneLine(key, ExitCodes.SSH_REFUSED, "login to " + sshd.url(target), "Permission denied");

    Path empty = Files.createFile(tmp.resolve("empty_known_hosts"));
    Result hostKey =
        replicate(
            sshd.url(target),
            sshd.identity(),
            List.of(
                "UserKnownHostsFile=" + empty,
                "GlobalKnownHostsFile=/dev/null",
                "StrictHostKeyChecking=yes"));
    assertOneLine(hostKey, ExitCodes.SSH_REFUSED, "host key of " + sshd.url(target), "known_hosts");
    assertThat(Path.of(target)).doesNotExist();
  }

  @Test
  void aPathTheFarSideCannotKeepARepositoryAtIsExit8() throws Exception {
    authorizeReceive();
    String deep = restrict.resolve("no-such-dir/offsite").toString();
    assertOneLine(replicate(sshd.url(deep)), ExitCodes.SSH_NO_PATH, "no directory", "no-such-dir");
    assertThat(restrict.resolve("no-such-dir")).doesNotExist();

    Path junk = Files.createDirectories(restrict.resolve("junk"));
    Files.writeString(junk.resolve("notes.txt"), "not a repository");
    assertOneLine(
        replicate(sshd.url(junk.toString())),
        ExitCodes.SSH_NO_PATH,
        junk.toString(),
        "not an lbuvault repository");
    try (Stream<Path> s = Files.list(junk)) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("notes.txt");
    }
  }

  @Test
  void aFarSideWithoutLbuvaultIsExit8() throws Exception {
    authorizeThrough(Path.of("/nonexistent/lbuvault"));

    Result r = replicate(sshd.url(target));

    assertOneLine(r, ExitCodes.SSH_NO_PATH, "no lbuvault receive answers at " + sshd.url(target));
    assertThat(Path.of(target)).doesNotExist();
  }

  @Test
  void theFarSideKilledMidStreamIsExit9AndTheNextRunSendsTheVersion() throws Exception {
    // The real receive, except that a store request reads 4 KiB of the stream and is then killed
    // with SIGKILL, as an OOM kill or a reboot of the far host would end it.
    Path dying = tmp.resolve("dying");
    Files.createFile(dying);
    Path wrapper =
        script(
            "far-receive",
            "#!/bin/sh\n"
                + "case \"$SSH_ORIGINAL_COMMAND\" in *' store '*)\n"
                + "  if [ -e "
                + dying
                + " ]; then head -c 4096 >/dev/null; kill -9 $$; fi;;\n"
                + "esac\n"
                + "exec "
                + launcher
                + " \"$@\"\n");
    authorizeThrough(wrapper);

    Result r = replicate(sshd.url(target));

    assertOneLine(r, ExitCodes.SSH_TRANSFER, "broke off", sshd.url(target), "run replicate again");
    assertThat(published()).isEmpty();
    Files.delete(dying);
    Result again = replicate(sshd.url(target));
    assertThat(again.exitCode()).as(again.toString()).isZero();
    assertThat(published()).hasSize(1);
  }

  @Test
  void aConnectionCutMidStreamIsExit9() throws Exception {
    // sshd's session process for this login is killed while the stream flows: the client sees
    // its connection cut, as on a dropped link.
    Path wrapper =
        script(
            "cut-receive",
            "#!/bin/sh\n"
                + "case \"$SSH_ORIGINAL_COMMAND\" in *' store '*)\n"
                + "  head -c 4096 >/dev/null; kill -9 $PPID; sleep 5; exit 1;;\n"
                + "esac\n"
                + "exec "
                + launcher
                + " \"$@\"\n");
    authorizeThrough(wrapper);

    Result r = replicate(sshd.url(target));

    assertOneLine(r, ExitCodes.SSH_TRANSFER, "broke off", sshd.url(target));
    assertThat(published()).isEmpty();
  }

  @Test
  void aFarSidePermissionDeniedBeforeACutConnectionIsExit9NotARefusedLogin() throws Exception {
    // The far side says "Permission denied" about one of its own files on stderr, which ssh
    // passes on, and then the connection is cut: a broken transfer, not a refused login.
    Path wrapper =
        script(
            "denied-receive",
            "#!/bin/sh\n"
                + "case \"$SSH_ORIGINAL_COMMAND\" in *' store '*)\n"
                + "  echo 'ERROR: cannot open /srv/offsite/.partial: Permission denied' >&2\n"
                + "  head -c 4096 >/dev/null; sleep 1; kill -9 $PPID; sleep 5; exit 1;;\n"
                + "esac\n"
                + "exec "
                + launcher
                + " \"$@\"\n");
    authorizeThrough(wrapper);

    Result r = replicate(sshd.url(target));

    assertOneLine(r, ExitCodes.SSH_TRANSFER, "broke off", sshd.url(target));
    assertThat(published()).isEmpty();
  }
}
