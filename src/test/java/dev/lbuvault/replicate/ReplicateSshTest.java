package dev.lbuvault.replicate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.cli.ExitCodes;
import dev.lbuvault.testing.BtrfsLoop;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Cli.Result;
import dev.lbuvault.testing.CliProcess;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Sshd;
import dev.lbuvault.testing.Tools;
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
 * replicate --to ssh://... end to end: a real sshd on 127.0.0.1 whose only key for us is the
 * restricted one of docs/offsite.md ({@code command="lbuvault receive --restrict-path
 * DIR",restrict}), running this build's CLI through a launcher script as the far side; two real
 * btrfs filesystems on loop devices; btrfs, sha256sum and the target's own list, verify and recover
 * as judges.
 */
class ReplicateSshTest {
  @TempDir Path tmp;
  BtrfsLoop a;
  BtrfsLoop b;
  Sshd sshd;
  Path card;
  String source;
  Path restrict;
  String target;

  @BeforeEach
  void setUp() throws Exception {
    Tools.requireRoot();
    Tools.require("mkfs.btrfs");
    Tools.require("zstd");
    a = BtrfsLoop.create(Files.createDirectories(tmp.resolve("a")), 512);
    b = BtrfsLoop.create(Files.createDirectories(tmp.resolve("b")), 512);
    sshd = Sshd.start();
    card = Cards.make(tmp.resolve("card"));
    source = a.mountPoint().resolve("repo").toString();
    restrict = Files.createDirectories(b.mountPoint().resolve("replica"));
    target = restrict.resolve("offsite").toString();
    assertThat(Cli.run("init", "--repo", source).exitCode()).isZero();
    sshd.authorizeForcedCommand(
        sshd.identity(), launcher() + " receive --restrict-path " + restrict);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (sshd != null) {
      sshd.close();
    }
    if (b != null) {
      b.close();
    }
    if (a != null) {
      a.close();
    }
  }

  /** An {@code lbuvault} launcher for this build, as an installed one would be on the far host. */
  private Path launcher() throws Exception {
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Path script = bin.resolve("lbuvault");
    StringBuilder sh = new StringBuilder("#!/bin/sh\nexec");
    for (String word : CliProcess.command(List.of(), List.of())) {
      sh.append(" '").append(word.replace("'", "'\\''")).append('\'');
    }
    Files.writeString(script, sh.append(" \"$@\"\n").toString());
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return script;
  }

  private Result replicate(String to, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "replicate",
                "--repo",
                source,
                "--to",
                to,
                "--ssh-identity",
                sshd.identity().toString()));
    for (String o : sshd.sshOptions()) {
      args.addAll(List.of("--ssh-option", o));
    }
    args.addAll(List.of(extra));
    return Cli.run(args.toArray(String[]::new));
  }

  private void backup(int seed) throws Exception {
    Cards.apkovl(card.resolve("rpi.apkovl.tar.gz"), "rpi", seed);
    Result r = Cli.run("backup", "--repo", source, "--source", card.toString());
    assertThat(r.exitCode()).as(r.toString()).isZero();
  }

  private static List<Path> versions(String repo) throws Exception {
    try (Stream<Path> s = Files.list(Path.of(repo, "hosts/rpi/versions"))) {
      return s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
    }
  }

  private static String field(Path subvolume, String name) throws Exception {
    String show = Commands.check(null, "btrfs", "subvolume", "show", subvolume.toString());
    return show.lines()
        .map(String::strip)
        .filter(l -> l.startsWith(name + ":"))
        .map(l -> l.substring(name.length() + 1).strip())
        .findFirst()
        .orElseThrow();
  }

  private static String id(Path version) {
    return version.getFileName().toString();
  }

  @Test
  void versionsGoOverSshFullThenIncrementalAndTheTargetIsARepositoryOfItsOwn() throws Exception {
    backup(1);
    backup(2);
    backup(3);
    List<Path> src = versions(source);

    Result plan = replicate(sshd.url(target), "--dry-run");
    assertThat(plan.exitCode()).as(plan.toString()).isZero();
    assertThat(plan.out()).contains("would send rpi " + id(src.get(0)) + " (full)");
    assertThat(Path.of(target)).doesNotExist();

    Result r = replicate(sshd.url(target), "--compress", "none");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("sent rpi " + id(src.get(0)) + " (full)")
        .contains("sent rpi " + id(src.get(1)) + " (incremental from " + id(src.get(0)) + ")")
        .contains("sent rpi " + id(src.get(2)) + " (incremental from " + id(src.get(1)) + ")")
        .contains("replicated 3 version(s) to " + sshd.url(target));
    List<Path> dst = versions(target);
    assertThat(dst.stream().map(ReplicateSshTest::id))
        .containsExactlyElementsOf(src.stream().map(ReplicateSshTest::id).toList());
    for (int i = 0; i < 3; i++) {
      assertThat(field(dst.get(i), "Flags")).contains("readonly");
      assertThat(field(dst.get(i), "Received UUID")).isEqualTo(field(src.get(i), "UUID"));
      Commands.check(dst.get(i), "sha256sum", "--strict", "-c", "SHA256SUMS");
    }
    try (Stream<Path> s = Files.list(dst.get(0).getParent())) {
      assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("."));
    }

    Result list = Cli.run("list", "--repo", target);
    assertThat(list.out().lines().filter(l -> l.startsWith("2"))).hasSize(3);
    Result verify = Cli.run("verify", "--repo", target);
    assertThat(verify.exitCode()).as(verify.toString()).isZero();
    Path image = tmp.resolve("card.img");
    Result recover = Cli.run("recover", "--repo", target, "--to", image.toString(), "--yes");
    assertThat(recover.exitCode()).as(recover.toString()).isZero();
    assertThat(Cli.run("inspect", image.toString()).exitCode()).isZero();

    Result again = replicate(sshd.url(target));
    assertThat(again.out()).contains("replicated 0 version(s)").contains("3 already there");
    backup(4);
    Result zstd = replicate(sshd.url(target), "--compress", "zstd");
    assertThat(zstd.exitCode()).as(zstd.toString()).isZero();
    Path fourth = versions(source).get(3);
    assertThat(zstd.out())
        .contains("sent rpi " + id(fourth) + " (incremental from " + id(src.get(2)) + ")");
    Path received = versions(target).get(3);
    assertThat(field(received, "Received UUID")).isEqualTo(field(fourth, "UUID"));
    Commands.check(received, "sha256sum", "--strict", "-c", "SHA256SUMS");
  }

  @Test
  void theRestrictedKeyRunsNothingButReceiveInsideItsPath() throws Exception {
    Path elsewhere = Files.createDirectories(b.mountPoint().resolve("elsewhere"));
    for (String[] c :
        new String[][] {
          {"id", "only \"lbuvault receive"},
          {"cat /etc/shadow", "only \"lbuvault receive"},
          {"sh -c 'touch " + elsewhere + "/x'", "without quotes or shell syntax"},
          {"lbuvault receive prepare " + elsewhere + " rpi", "may only use " + restrict},
        }) {
      Commands.Output o = Commands.run(null, sshd.sshCommand(sshd.identity(), c[0]));
      assertThat(o.exitCode()).as(c[0] + ": " + o.stderr()).isEqualTo(ExitCodes.UNSAFE);
      assertThat(o.stdout()).as(c[0]).isEmpty();
      assertThat(o.stderr()).as(c[0]).contains("lbuvault: refused").contains(c[1]);
    }

    backup(1);
    Result r = replicate(sshd.url(elsewhere.resolve("offsite").toString()));
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err().lines()).hasSize(1);
    assertThat(r.err()).contains("exited 3").contains("may only use " + restrict);
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
            sshd.url(target),
            "--ssh-identity",
            sshd.identity().toString());
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err())
        .hasLineCount(1)
        .contains(plain)
        .contains("plain backend")
        .contains("only btrfs snapshots")
        .contains("--to DIR");
    assertThat(Path.of(target)).doesNotExist();
  }
}
