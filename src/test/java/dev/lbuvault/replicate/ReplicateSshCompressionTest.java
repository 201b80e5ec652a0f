package dev.lbuvault.replicate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.CliProcess;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.SshReceiver;
import dev.lbuvault.testing.Sshd;
import dev.lbuvault.testing.Tools;
import dev.lbuvault.testing.TwoBtrfsRepositories;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --compress zstd} really shrinks what crosses the wire: the same compressible change is
 * replicated to two far repositories side by side, once with {@code --compress none} and once with
 * zstd, and the bytes are counted by ssh itself (its {@code LogLevel=VERBOSE} line "Transferred:
 * sent N, received M bytes", written by a wrapper {@code ssh} on the CLI's PATH to a log with
 * {@code -E}), not by lbuvault. A real sshd and two real btrfs filesystems.
 */
class ReplicateSshCompressionTest {
  private static final Pattern TRANSFERRED =
      Pattern.compile("Transferred: sent ([0-9]+), received ([0-9]+) bytes");

  /** A text file that compresses well, as config files and logs on a card do. */
  private static final int CHANGE_LINES = 120_000;

  @TempDir Path tmp;
  @RegisterExtension final TwoBtrfsRepositories two = new TwoBtrfsRepositories();
  @RegisterExtension final SshReceiver far = new SshReceiver();
  Sshd sshd;
  Path card;
  String source;
  Path restrict;
  Path wrappers;

  @BeforeEach
  void setUp() throws Exception {
    Tools.require("zstd");
    sshd = far.sshd();
    card = two.card();
    source = two.source();
    restrict = two.restrict();
    far.authorize(sshd.identity(), restrict, false);
    wrappers = Files.createDirectories(tmp.resolve("wrap"));
    Path ssh = wrappers.resolve("ssh");
    Files.writeString(
        ssh,
        "#!/bin/sh\nexec "
            + Tools.require("ssh")
            + " -E \"$SSH_BYTES_LOG\" -o LogLevel=VERBOSE \"$@\"\n");
    Files.setPosixFilePermissions(ssh, PosixFilePermissions.fromString("rwx------"));
    backup(1);
  }

  private void backup(int seed) throws Exception {
    two.backup(seed);
  }

  /** Runs replicate as its own JVM with the counting ssh first on PATH; returns bytes sent. */
  private long replicate(String target, String compress, String run) throws Exception {
    Path log = tmp.resolve(run + ".ssh.log");
    List<String> args =
        new ArrayList<>(
            List.of(
                "replicate",
                "--repo",
                source,
                "--to",
                sshd.url(restrict.resolve(target).toString()),
                "--ssh-identity",
                sshd.identity().toString(),
                "--compress",
                compress));
    for (String o : sshd.sshOptions()) {
      args.addAll(List.of("--ssh-option", o));
    }
    ProcessBuilder pb = new ProcessBuilder(CliProcess.command(List.of(), args));
    pb.environment().put("PATH", wrappers + ":" + System.getenv("PATH"));
    pb.environment().put("SSH_BYTES_LOG", log.toString());
    Path out = tmp.resolve(run + ".out");
    pb.redirectErrorStream(true);
    pb.redirectOutput(out.toFile());
    Process p = pb.start();
    assertThat(p.waitFor(10, TimeUnit.MINUTES)).as(run + " finished").isTrue();
    assertThat(p.exitValue()).as(run + ": " + Files.readString(out)).isZero();
    long sent = 0;
    int requests = 0;
    Matcher m = TRANSFERRED.matcher(Files.readString(log));
    while (m.find()) {
      sent += Long.parseLong(m.group(1));
      requests++;
    }
    assertThat(requests).as(run + ": ssh's Transferred lines (prepare and store)").isEqualTo(2);
    return sent;
  }

  @Test
  void zstdSendsFarFewerBytesThanNoneForACompressibleChange() throws Exception {
    replicate("none", "none", "first-none");
    replicate("zstd", "zstd", "first-zstd");
    Path change = card.resolve("notes.txt");
    try (BufferedWriter w = Files.newBufferedWriter(change, StandardCharsets.US_ASCII)) {
      for (int i = 0; i < CHANGE_LINES; i++) {
        w.write("2026-11-29 line " + i + ": lbu commit wrote etc/apk/world and etc/hosts\n");
      }
    }
    long changed = Files.size(change);
    backup(1);

    long none = replicate("none", "none", "second-none");
    long zstd = replicate("zstd", "zstd", "second-zstd");

    assertThat(none).as("uncompressed, the change crosses whole").isGreaterThan(changed);
    assertThat(zstd).as("zstd: %d vs none: %d bytes", zstd, none).isLessThan(none / 5);
    for (String target : List.of("none", "zstd")) {
      Path versions = restrict.resolve(target).resolve("hosts/rpi/versions");
      try (var s = Files.list(versions)) {
        Path newest =
            s.filter(v -> !v.getFileName().toString().startsWith(".")).sorted().toList().get(1);
        Commands.check(newest, "sha256sum", "--strict", "-c", "SHA256SUMS");
        assertThat(Files.size(newest.resolve("card/notes.txt"))).isEqualTo(changed);
      }
    }
  }
}
