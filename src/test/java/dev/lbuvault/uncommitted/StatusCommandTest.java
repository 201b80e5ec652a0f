package dev.lbuvault.uncommitted;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.json.Json;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Cli.Result;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lbuvault status} end to end: an Alpine-like root with a real-format apk database (SHA-1
 * checksums by openssl), protected path lists and an lbu include list; its apkovl committed by GNU
 * tar exactly as {@code lbu commit} runs it, from the file list apk audit and lbu would make
 * (derived by hand from apk-tools 2.14's {@code app_audit.c} and alpine-conf's {@code lbu.in}, not
 * by the code under test), and backed up; then the root is changed and status must print what lbu
 * status prints.
 */
class StatusCommandTest {
  /** What lbu commit archives from the root {@link #setUp} builds, and why. */
  private static final List<String> COMMITTED =
      List.of(
          "etc/motd", // package file whose content differs
          "etc/hostname", // no package owns it
          "etc/apk/world", // etc/apk is "!": every file
          "etc/apk/repositories",
          "etc/apk/protected_paths.d", // a directory no package owns
          "etc/apk/protected_paths.d/lbu.list",
          "etc/apk/protected_paths.d/local.list",
          "etc/localtime", // a symlink no package owns
          "etc/init.d/sshd.wg0", // etc/init.d is "@": symlinks only
          "etc/ssh/sshd_config", // package file whose mode differs
          "etc/newdir",
          "etc/newdir/a.conf",
          "root/.profile", // "+root" in lbu.list
          "root/.ssh",
          "root/.ssh/authorized_keys",
          "opt/app/a.conf", // "+opt/app/*.conf" in local.list
          "usr/local/bin/tool"); // "+usr/local/bin/tool": an unchanged package file, included

  @TempDir Path tmp;
  HostRoot host;
  Path root;
  Path card;
  String repo;

  @BeforeEach
  void setUp() throws Exception {
    root = tmp.resolve("root");
    host = new HostRoot(root);
    host.dir("etc", "rwxr-xr-x")
        .dir("etc/apk", "rwxr-xr-x")
        .dir("etc/init.d", "rwxr-xr-x")
        .dir("etc/ssl", "rwxr-xr-x")
        .dir("etc/ssh", "rwxr-xr-x")
        .dir("root", "rwx------")
        .dir("usr/local/bin", "rwxr-xr-x")
        .dir("var/log", "rwxr-xr-x")
        .file("etc/hosts", "127.0.0.1\tlocalhost\n", "rw-r--r--")
        .file("etc/motd", "Welcome to Alpine!\n", "rw-r--r--")
        .file("etc/issue", "Welcome to Alpine Linux\n", "rw-r--r--")
        .file("etc/init.d/sshd", "#!/sbin/openrc-run\n", "rwxr-xr-x")
        .link("etc/ssl/cert.pem", "certs/ca-certificates.crt")
        .file("etc/ssh/sshd_config", "PermitRootLogin no\n", "rw-r--r--")
        .file("etc/ssh/moduli", "# moduli\n", "rw-r--r--")
        .file("usr/local/bin/tool", "#!/bin/sh\necho tool\n", "rwxr-xr-x");
    host.pkg("alpine-baselayout", "3.6.8-r1")
        .ownsDir("etc")
        .ownsFile("hosts")
        .ownsFile("motd")
        .ownsFile("issue")
        .ownsDir("etc/apk")
        .ownsDir("etc/init.d")
        .ownsFile("sshd")
        .ownsDir("etc/ssl")
        .ownsFile("cert.pem")
        .ownsDir("root")
        .ownsDir("var")
        .ownsDir("var/log");
    host.pkg("openssh", "9.9_p2-r0")
        .ownsDir("etc")
        .ownsDir("etc/ssh")
        .ownsFile("sshd_config")
        .ownsFile("moduli")
        .ownsDir("usr")
        .ownsDir("usr/local")
        .ownsDir("usr/local/bin")
        .ownsFile("tool");
    host.writeDb();
    // What the owner changed since the packages were installed.
    host.file("etc/motd", "Welcome to our Pi\n", "rw-r--r--")
        .file("etc/ssh/sshd_config", "PermitRootLogin no\n", "rw-------")
        .file("etc/hostname", "rpi\n", "rw-r--r--")
        .file("etc/apk/world", "alpine-base\nopenssh\n", "rw-r--r--")
        .file("etc/apk/repositories", "/media/mmcblk0p1/apks\n", "rw-r--r--")
        .file(
            "etc/apk/protected_paths.d/lbu.list",
            "+root\n+usr/local/bin/tool\n-etc/secret\n",
            "rw-r--r--")
        .file(
            "etc/apk/protected_paths.d/local.list", "# site paths\n+opt/app/*.conf\n", "rw-r--r--")
        .link("etc/localtime", "/usr/share/zoneinfo/UTC")
        .link("etc/init.d/sshd.wg0", "sshd")
        .file("etc/init.d/custom", "#!/bin/sh\n", "rwxr-xr-x")
        .file("etc/secret/token", "hunter2\n", "rw-------")
        .file("etc/newdir/a.conf", "a=1\n", "rw-r--r--")
        .file("etc/foo.conf.apk-new", "new default\n", "rw-r--r--")
        .file("root/.profile", "export PS1='# '\n", "rw-r--r--")
        .dir("root/.ssh", "rwx------")
        .file("root/.ssh/authorized_keys", "ssh-ed25519 AAAA test\n", "rw-------")
        .file("opt/app/a.conf", "x=1\n", "rw-r--r--")
        .file("opt/app/b.txt", "not matched\n", "rw-r--r--")
        .file("var/log/messages", "boot\n", "rw-r--r--")
        .file("topfile", "top\n", "rw-r--r--");
    card = Cards.make(tmp.resolve("card"));
    repo = tmp.resolve("repo").toString();
    assertThat(Cli.run("init", "--repo", repo).exitCode()).isZero();
    commitAndBackUp(COMMITTED, 1);
  }

  @Test
  void rightAfterACommitNothingIsUncommittedAndTheExitStatusIsZero() {
    Result status = status();

    assertThat(status.exitCode()).as(status.toString()).isZero();
    assertThat(status.out()).isEmpty();
  }

  @Test
  void changesArePrintedAsLbuStatusPrintsThemDeletionsFirst() throws Exception {
    host.file("etc/hostname", "pi-two\n", "rw-r--r--") // committed file, new content
        .file("etc/hosts", "127.0.0.1\tlocalhost rpi\n", "rw-r--r--") // package file changed
        .file("etc/motd", "Welcome to Alpine!\n", "rw-r--r--") // back to the package's
        .link("etc/localtime", "/usr/share/zoneinfo/Europe/Paris")
        .file("etc/secret/new", "excluded\n", "rw-------")
        .file("etc/init.d/custom2", "#!/bin/sh\n", "rwxr-xr-x") // "@": not a symlink
        .link("etc/init.d/net.eth1", "net.lo")
        .dir("etc/wireguard", "rwx------")
        .file("etc/wireguard/wg0.conf", "[Interface]\n", "rw-------")
        .file("opt/app/b.conf", "y=2\n", "rw-r--r--")
        .file("var/lib/app/state", "42\n", "rw-r--r--")
        .file(
            "etc/apk/protected_paths.d/lbu.list",
            "+root\n+usr/local/bin/tool\n-etc/secret\n+var/lib/app/state\n-etc/apk/repositories\n",
            "rw-r--r--");
    Files.setPosixFilePermissions(
        root.resolve("etc/ssh/moduli"), PosixFilePermissions.fromString("rw-------"));
    Files.setPosixFilePermissions(
        root.resolve("etc/apk/world"), PosixFilePermissions.fromString("rw-------"));
    Files.delete(root.resolve("etc/newdir/a.conf"));
    Files.delete(root.resolve("root/.ssh/authorized_keys"));
    Files.delete(root.resolve("root/.ssh"));

    Result status = status();

    assertThat(status.exitCode()).as(status.toString()).isEqualTo(1);
    assertThat(status.out().lines())
        .containsExactly(
            "D etc/apk/repositories", // now excluded
            "D etc/motd", // matches its package again
            "D etc/newdir/a.conf",
            "D root/.ssh",
            "D root/.ssh/authorized_keys",
            "U etc/apk/protected_paths.d/lbu.list",
            "U etc/apk/world", // mode only: lbu status would not say
            "U etc/hostname",
            "A etc/hosts",
            "A etc/init.d/net.eth1",
            "U etc/localtime", // new symlink target: lbu status would not say
            "A etc/ssh/moduli", // package file, mode changed
            "A etc/wireguard",
            "A etc/wireguard/wg0.conf",
            "A opt/app/b.conf",
            "A var",
            "A var/lib",
            "A var/lib/app",
            "A var/lib/app/state");

    // The comparison judged as lbu status makes it, by GNU tar, find and cmp: extract the backed-up
    // apkovl and what lbu would archive now (the list apk audit and lbu.list give, by hand), then
    // compare the two trees. lbuvault's documented extras (mode-only and symlink-target updates)
    // are the only lines the judge does not print.
    List<String> now = new java.util.ArrayList<>(COMMITTED);
    now.removeAll(
        List.of(
            "etc/apk/repositories",
            "etc/motd",
            "etc/newdir/a.conf",
            "root/.ssh",
            "root/.ssh/authorized_keys"));
    now.addAll(
        List.of(
            "etc/hosts",
            "etc/init.d/net.eth1",
            "etc/ssh/moduli",
            "etc/wireguard",
            "etc/wireguard/wg0.conf",
            "opt/app/b.conf",
            "var/lib/app/state"));
    List<String> ours =
        status
            .out()
            .lines()
            .filter(l -> !l.equals("U etc/apk/world") && !l.equals("U etc/localtime"))
            .sorted()
            .toList();
    assertThat(treesComparedByTarFindAndCmp(now)).containsExactlyElementsOf(ours);
  }

  private java.util.stream.Stream<Path> listVersions() throws java.io.IOException {
    try (java.util.stream.Stream<Path> s = Files.list(Path.of(repo, "hosts/rpi/versions"))) {
      return s.toList().stream();
    }
  }

  /** lbu status's comparison with independent tools; regular files' contents only. */
  private List<String> treesComparedByTarFindAndCmp(List<String> now) throws Exception {
    Path judge = Files.createDirectories(tmp.resolve("judge"));
    Path list = Files.writeString(judge.resolve("now.list"), String.join("\n", now) + "\n");
    Path stored =
        listVersions()
            .filter(p -> !p.getFileName().toString().startsWith("."))
            .max(Path::compareTo)
            .orElseThrow()
            .resolve("card/rpi.apkovl.tar.gz");
    String script =
        String.join(
            "\n",
            "set -e",
            "mkdir a b",
            "tar -C a -xzf \"$1\"",
            "(cd \"$2\" && tar -c --no-recursion -T \"$3\") | tar -C b -x",
            "(cd a && find .) | while read -r f; do f=${f#./}; [ \"$f\" = . ] && continue",
            "  [ -e \"b/$f\" ] || [ -L \"b/$f\" ] || echo \"D $f\"; done",
            "(cd b && find .) | while read -r f; do f=${f#./}; [ \"$f\" = . ] && continue",
            "  if [ ! -e \"a/$f\" ] && [ ! -L \"a/$f\" ]; then echo \"A $f\"",
            "  elif [ -f \"a/$f\" ] && [ ! -L \"a/$f\" ] && [ -f \"b/$f\" ] && [ ! -L \"b/$f\" ] \\",
            "    && ! cmp -s \"a/$f\" \"b/$f\"; then echo \"U $f\"; fi; done",
            "");
    Tools.require("cmp");
    Tools.require("find");
    String out =
        Commands.check(
            judge, "sh", "-c", script, "sh", stored.toString(), root.toString(), list.toString());
    return out.lines().sorted().toList();
  }

  @Test
  void theJsonNamesTheVersionAndDatesEachChangeByItsCtime() throws Exception {
    Instant before = Instant.now().minusSeconds(2);
    host.file("etc/hosts", "127.0.0.1\tlocalhost pi\n", "rw-r--r--");
    Instant after = Instant.now().plusSeconds(2);

    Result status = Cli.run("status", "--repo", repo, "--root", root.toString(), "--json");

    assertThat(status.exitCode()).as(status.toString()).isEqualTo(1);
    Map<?, ?> doc = (Map<?, ?>) Json.parse(status.out());
    assertThat(doc.get("host")).isEqualTo("rpi");
    assertThat(doc.get("apkovl")).isEqualTo("rpi.apkovl.tar.gz");
    List<?> changes = (List<?>) doc.get("changes");
    assertThat(changes).hasSize(1);
    Map<?, ?> change = (Map<?, ?>) changes.get(0);
    assertThat(change.get("change")).isEqualTo("A");
    assertThat(change.get("path")).isEqualTo("etc/hosts");
    Instant at = Instant.parse((String) change.get("changedAt"));
    assertThat(at).isBetween(before, after);
    assertThat(doc.get("oldestChange")).isEqualTo(change.get("changedAt"));
  }

  @Test
  void aPackageFileGivenToAnotherOwnerIsArchivedButAnOwnerChangeOfAnArchivedFileIsNotReported()
      throws Exception {
    Tools.requireRoot();
    Commands.check(null, "chown", "1000:1000", root.resolve("etc/issue").toString());
    Commands.check(null, "chown", "1000:1000", root.resolve("etc/hostname").toString());

    Result status = status();

    assertThat(status.out().lines()).containsExactly("A etc/issue");
  }

  @Test
  void comparesWithTheNewestBackupNotWithTheCard() throws Exception {
    List<String> fewer = new java.util.ArrayList<>(COMMITTED);
    fewer.remove("etc/hostname");
    commitAndBackUp(fewer, 2);
    // The card now holds an apkovl with everything again, but it was never backed up.
    makeApkovl(COMMITTED, card.resolve("rpi.apkovl.tar.gz"), 3);

    assertThat(status().out().lines()).containsExactly("A etc/hostname");
  }

  @Test
  void anEncryptedApkovlIsComparedWithItsPasswordFileAndIsTroubleWithoutOrWithAWrongOne()
      throws Exception {
    String password = "correct horse battery";
    Path pw = Files.writeString(tmp.resolve("pw"), password + "\n");
    Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-------"));
    Path list = Files.writeString(tmp.resolve("enc.list"), String.join("\n", COMMITTED) + "\n");
    // As lbu commit with ENCRYPTION=aes-256-cbc: tar -c ... -z | openssl enc -aes-256-cbc -salt
    Files.delete(card.resolve("rpi.apkovl.tar.gz"));
    Path encrypted = card.resolve("rpi.apkovl.tar.gz.aes-256-cbc");
    Commands.check(
        root,
        "sh",
        "-c",
        "tar -c --no-recursion -T \"$1\" -z | openssl enc -aes-256-cbc -salt -pass file:\"$2\" >"
            + " \"$3\"",
        "sh",
        list.toString(),
        pw.toString(),
        encrypted.toString());
    String encRepo = tmp.resolve("enc-repo").toString();
    assertThat(Cli.run("init", "--repo", encRepo).exitCode()).isZero();
    Result backup = Cli.run("backup", "--repo", encRepo, "--source=" + card);
    assertThat(backup.exitCode()).as(backup.toString()).isZero();
    String[] base = {"status", "--repo", encRepo, "--root", root.toString()};

    Result none = Cli.run(base);
    assertThat(none.exitCode()).isEqualTo(2);
    assertThat(none.err().strip()).contains("is encrypted").contains("--password-file");
    assertThat(none.err().strip().lines()).hasSize(1);

    Result same = Cli.run(concat(base, "--password-file", pw.toString()));
    assertThat(same.exitCode()).as(same.toString()).isZero();
    assertThat(same.out()).isEmpty();

    host.file("etc/hostname", "pi-two\n", "rw-r--r--");
    Result changed = Cli.run(concat(base, "--password-file", pw.toString()));
    assertThat(changed.exitCode()).as(changed.toString()).isEqualTo(1);
    assertThat(changed.out().lines()).containsExactly("U etc/hostname");

    Path wrong = Files.writeString(tmp.resolve("wrong"), "not it\n");
    Files.setPosixFilePermissions(wrong, PosixFilePermissions.fromString("rw-------"));
    Result bad = Cli.run(concat(base, "--password-file", wrong.toString()));
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.err()).contains("wrong password").doesNotContain("not it");

    Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-r--r--"));
    Result shared = Cli.run(concat(base, "--password-file", pw.toString()));
    assertThat(shared.exitCode()).isEqualTo(2);
    assertThat(shared.err()).contains(pw.toString()).doesNotContain(password);
    assertThat(shared.out()).isEmpty();
  }

  private static String[] concat(String[] a, String... b) {
    String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  @Test
  void aMissingRootIsTrouble() {
    Result status = Cli.run("status", "--repo", repo, "--root", tmp.resolve("nowhere").toString());

    assertThat(status.exitCode()).isEqualTo(2);
    assertThat(status.err()).contains("nowhere").contains("no such directory");
  }

  private Result status() {
    return Cli.run("status", "--repo", repo, "--root", root.toString());
  }

  /** Makes the apkovl as lbu commit does (GNU tar, list on stdin, from the root) and backs up. */
  private void commitAndBackUp(List<String> members, int round) throws Exception {
    makeApkovl(members, card.resolve("rpi.apkovl.tar.gz"), round);
    Result backup = Cli.run("backup", "--repo", repo, "--source=" + card);
    assertThat(backup.exitCode()).as(backup.toString()).isZero();
  }

  private void makeApkovl(List<String> members, Path apkovl, int round) throws Exception {
    Path list = Files.writeString(tmp.resolve("list" + round), String.join("\n", members) + "\n");
    Commands.check(
        root,
        Tools.require("tar").toString(),
        "-c",
        "--no-recursion",
        "-T",
        list.toString(),
        "-z",
        "-f",
        apkovl.toString());
    Files.setLastModifiedTime(apkovl, FileTime.from(Instant.now().plusSeconds(round)));
  }
}
