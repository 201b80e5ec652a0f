package dev.lbuvault.diff;

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
 * {@code lbuvault diff} end to end: two real backups of a card whose apkovl is made by GNU tar as
 * lbu makes it, compared at the card and the member level, with GNU diff and patch as judges.
 */
class DiffCommandTest {
  private static final List<String> MEMBERS =
      List.of(
          "etc/hostname",
          "etc/hosts",
          "etc/shadow",
          "etc/ssh/ssh_host_ed25519_key",
          "etc/motd",
          "etc/old.conf",
          "etc/localtime",
          "etc/blob.bin",
          "etc/apk/world");

  @TempDir Path tmp;
  Path root;
  Path card;
  String repo;

  @BeforeEach
  void setUp() throws Exception {
    card = Cards.make(tmp.resolve("card"));
    repo = tmp.resolve("repo").toString();
    root = Files.createDirectories(tmp.resolve("root"));
    Files.createDirectories(root.resolve("etc/ssh"));
    Files.createDirectories(root.resolve("etc/apk"));
    Files.writeString(root.resolve("etc/hostname"), "rpi\n");
    Files.writeString(root.resolve("etc/hosts"), hosts("192.168.1.10"));
    write("etc/shadow", "root:$6$old:19000:0:::::\n", "rw-r-----");
    write("etc/ssh/ssh_host_ed25519_key", "-----BEGIN OLD KEY-----\n", "rw-------");
    Files.writeString(root.resolve("etc/motd"), "Welcome\n");
    Files.writeString(root.resolve("etc/old.conf"), "gone=soon\n");
    Files.createSymbolicLink(root.resolve("etc/localtime"), Path.of("/usr/share/zoneinfo/UTC"));
    Files.write(root.resolve("etc/blob.bin"), new byte[] {1, 0, 2, 0});
    Files.writeString(root.resolve("etc/apk/world"), "alpine-base\nchrony\n");
    commitAndBackUp(MEMBERS, 1);
  }

  @Test
  void twoBackupsWithNoChangeHaveNoDifferencesAndExitZero() throws Exception {
    Files.setLastModifiedTime(card.resolve("config.txt"), FileTime.from(Instant.now()));
    Result second = Cli.run("backup", "--repo", repo, "--source=" + card);
    assertThat(second.out()).as(second.toString()).startsWith("stored version");
    Result diff = Cli.run("diff", "--repo", repo);
    assertThat(diff.exitCode()).as(diff.toString()).isZero();
    assertThat(diff.out()).contains("no differences");
  }

  @Test
  void membersAddedRemovedAndChangedAreListedWithATextDiffThatPatchApplies() throws Exception {
    String oldHosts = Files.readString(root.resolve("etc/hosts"));
    Files.writeString(root.resolve("etc/hosts"), hosts("192.168.1.20"));
    Files.setPosixFilePermissions(
        root.resolve("etc/motd"), PosixFilePermissions.fromString("rw-------"));
    Files.setPosixFilePermissions(
        root.resolve("etc/motd"), PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.delete(root.resolve("etc/localtime"));
    Files.createSymbolicLink(
        root.resolve("etc/localtime"), Path.of("/usr/share/zoneinfo/Europe/Paris"));
    Files.write(root.resolve("etc/blob.bin"), new byte[] {1, 0, 2, 0, 3});
    Files.writeString(root.resolve("etc/new.conf"), "fresh=1\n");
    List<String> members = new java.util.ArrayList<>(MEMBERS);
    members.remove("etc/old.conf");
    members.add("etc/new.conf");
    commitAndBackUp(members, 2);

    Result diff = Cli.run("diff", "--repo", repo);

    assertThat(diff.exitCode()).as(diff.toString()).isEqualTo(1);
    assertThat(diff.out())
        .contains("  M rpi.apkovl.tar.gz")
        .contains("  A etc/new.conf")
        .contains("  D etc/old.conf")
        .contains("  M etc/motd: mode 0644 -> 0755")
        .contains(
            "  M etc/localtime: link /usr/share/zoneinfo/UTC -> /usr/share/zoneinfo/Europe/Paris")
        .contains("  M etc/blob.bin: binary, 4 bytes -> 5 bytes")
        .doesNotContain("etc/hostname");
    String patch = diff.out().substring(diff.out().indexOf("--- a/etc/hosts"));
    patch =
        patch.substring(
            0, patch.indexOf("\n  ", 1) < 0 ? patch.length() : patch.indexOf("\n  ", 1) + 1);
    Path old = Files.writeString(tmp.resolve("hosts.old"), oldHosts);
    Commands.check(
        null, "sh", "-c", Tools.require("patch") + " -s " + old + " <<'EOF'\n" + patch + "EOF\n");
    assertThat(Files.readString(old)).isEqualTo(hosts("192.168.1.20"));
  }

  @Test
  void secretsAreNamedButTheirContentIsShownOnlyWhenAsked() throws Exception {
    write("etc/shadow", "root:$6$new:19001:0:::::\n", "rw-r-----");
    write("etc/ssh/ssh_host_ed25519_key", "-----BEGIN NEW KEY-----\n", "rw-------");
    commitAndBackUp(MEMBERS, 2);

    Result hidden = Cli.run("diff", "--repo", repo);
    assertThat(hidden.exitCode()).isEqualTo(1);
    assertThat(hidden.out())
        .contains("  M etc/shadow: secret")
        .contains("  M etc/ssh/ssh_host_ed25519_key: secret")
        .doesNotContain("$6$")
        .doesNotContain("BEGIN");
    Result json = Cli.run("diff", "--repo", repo, "--json");
    assertThat(json.out()).doesNotContain("$6$").doesNotContain("BEGIN");
    assertThat(((Map<?, ?>) Json.parse(json.out())).get("different")).isEqualTo(true);

    Result shown = Cli.run("diff", "--repo", repo, "--show-secrets");
    assertThat(shown.out())
        .contains("-root:$6$old:19000:0:::::")
        .contains("+root:$6$new:19001:0:::::");
  }

  @Test
  void oneIdIsComparedWithTheNewestAndAHostWithOneVersionIsTroubleNotADifference()
      throws Exception {
    Result alone = Cli.run("diff", "--repo", repo);
    assertThat(alone.exitCode()).isEqualTo(2);
    assertThat(alone.err()).contains("diff needs two");

    Map<?, ?> first =
        (Map<?, ?>) ((List<?>) Json.parse(Cli.run("list", "--repo", repo, "--json").out())).get(0);
    Files.writeString(root.resolve("etc/motd"), "Welcome back\n");
    commitAndBackUp(MEMBERS, 2);
    Files.writeString(root.resolve("etc/motd"), "Welcome again\n");
    commitAndBackUp(MEMBERS, 3);

    Result stat = Cli.run("diff", "--repo", repo, "--stat", (String) first.get("id"));
    assertThat(stat.exitCode()).isEqualTo(1);
    assertThat(stat.out()).contains("  M etc/motd").doesNotContain("+Welcome again");
    Result bogus = Cli.run("diff", "--repo", repo, "19990101T000000Z");
    assertThat(bogus.exitCode()).isEqualTo(2);
  }

  private static String hosts(String address) {
    return "127.0.0.1\tlocalhost\n::1\tlocalhost\n"
        + address
        + "\trpi.lan rpi\n"
        + "192.168.1.1\trouter\n";
  }

  private void write(String member, String content, String mode) throws Exception {
    Path p = root.resolve(member);
    Files.writeString(p, content);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
  }

  /** Makes the apkovl as lbu commit does (GNU tar, list on stdin, from the root) and backs up. */
  private void commitAndBackUp(List<String> members, int round) throws Exception {
    Path apkovl = card.resolve("rpi.apkovl.tar.gz");
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
    if (Files.notExists(Path.of(repo))) {
      assertThat(Cli.run("init", "--repo", repo).exitCode()).isZero();
    }
    Result backup = Cli.run("backup", "--repo", repo, "--source=" + card);
    assertThat(backup.exitCode()).as(backup.toString()).isZero();
  }
}
