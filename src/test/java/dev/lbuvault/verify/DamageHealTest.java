package dev.lbuvault.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.cli.ExitCodes;
import dev.lbuvault.repo.DamageRecord;
import dev.lbuvault.testing.BtrfsLoop;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Cli.Result;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damage heals: a byte flipped in a stored file (size and mtime kept) is found by verify, recorded
 * in {@code damage.json}, and the next backup stores a fresh copy read from the card that shares
 * nothing with the damaged one, on the plain backend (a new inode) and on real btrfs (no shared
 * extent, judged by {@code filefrag}); the old versions stay marked DAMAGED.
 */
class DamageHealTest {
  private static final String DAMAGED = "card/boot/vmlinuz-rpi";

  @TempDir Path tmp;

  @Test
  void onThePlainBackendTheNextBackupStoresANewInodeAndTheOldVersionsStayDamaged()
      throws Exception {
    Path card = Cards.make(tmp.resolve("card"));
    String repo = tmp.resolve("repo").toString();
    assertThat(Cli.run("init", "--repo", repo, "--backend", "plain").exitCode()).isZero();
    assertThat(backup(repo, card).exitCode()).isZero();
    Cards.apkovl(card.resolve("rpi.apkovl.tar.gz"), "rpi", 41);
    assertThat(backup(repo, card).exitCode()).isZero();
    List<Path> before = versions(repo);
    assertThat(before).hasSize(2);
    Path damaged = before.get(0).resolve(DAMAGED);
    Object damagedInode = Files.getAttribute(damaged, "unix:ino");
    assertThat(Files.getAttribute(before.get(1).resolve(DAMAGED), "unix:ino"))
        .as("the file is shared by both versions before the damage")
        .isEqualTo(damagedInode);
    flipByteKeepingSizeAndMtime(damaged);

    Result verify = Cli.run("verify", "--repo", repo);
    assertThat(verify.exitCode()).as(verify.toString()).isEqualTo(ExitCodes.DAMAGED);
    assertThat(verify.out())
        .contains("CORRUPT " + DAMAGED)
        .contains("next step: run lbuvault backup")
        .contains("no version checked is clean");
    DamageRecord record = record(repo);
    assertThat(record.heal()).containsExactly(DAMAGED);
    assertThat(record.damaged()).containsOnlyKeys(names(before).toArray(String[]::new));

    Result heal = backup(repo, card);
    assertThat(heal.exitCode()).as(heal.toString()).isZero();
    assertThat(heal.out()).startsWith("stored");
    List<Path> after = versions(repo);
    assertThat(after).hasSize(3);
    Path fresh = after.get(2).resolve(DAMAGED);
    assertThat(Files.getAttribute(fresh, "unix:ino")).isNotEqualTo(damagedInode);
    assertThat(Files.getAttribute(damaged, "unix:nlink"))
        .as("the damaged inode is linked only by the two damaged versions, not by current/")
        .isEqualTo(2);
    assertThat(Files.readAllBytes(fresh))
        .isEqualTo(Files.readAllBytes(card.resolve("boot/vmlinuz-rpi")));
    assertThat(record(repo).heal()).isEmpty();

    Result verifyNew = Cli.run("verify", "--repo", repo, after.get(2).getFileName().toString());
    assertThat(verifyNew.exitCode()).as(verifyNew.toString()).isZero();
    assertDamagedInList(repo, names(before), after.get(2).getFileName().toString());

    // The damaged copies are no longer what the next version would share: no endless re-healing.
    Result again = Cli.run("verify", "--repo", repo);
    assertThat(again.exitCode()).isEqualTo(ExitCodes.DAMAGED);
    assertThat(again.out())
        .contains(
            "use the newest clean version: lbuvault recover --version "
                + after.get(2).getFileName())
        .doesNotContain("run lbuvault backup");
    assertThat(record(repo).heal()).isEmpty();
    assertThat(backup(repo, card).out()).startsWith("unchanged");
  }

  @Test
  void onBtrfsTheNextBackupStoresACopyThatSharesNoExtentWithTheDamagedOne() throws Exception {
    Tools.require("filefrag");
    try (BtrfsLoop btrfs = BtrfsLoop.create(tmp, 512)) {
      Path card = Cards.make(tmp.resolve("card"));
      String repo = btrfs.mountPoint().resolve("repo").toString();
      assertThat(Cli.run("init", "--repo", repo).out()).contains("backend btrfs");
      assertThat(backup(repo, card).exitCode()).isZero();
      Path v1 = versions(repo).get(0);
      Commands.check(null, "btrfs", "property", "set", "-ts", v1.toString(), "ro", "false");
      flipByteKeepingSizeAndMtime(v1.resolve(DAMAGED));
      Commands.check(null, "btrfs", "property", "set", "-ts", v1.toString(), "ro", "true");
      Commands.check(null, "sync");

      Result verify = Cli.run("verify", "--repo", repo);
      assertThat(verify.exitCode()).as(verify.toString()).isEqualTo(ExitCodes.DAMAGED);
      assertThat(record(repo).heal()).containsExactly(DAMAGED);

      Result heal = backup(repo, card);
      assertThat(heal.out()).as(heal.toString()).startsWith("stored");
      Path v2 = versions(repo).get(1);
      Commands.check(null, "sync");
      List<long[]> damagedExtents = extents(v1.resolve(DAMAGED));
      List<long[]> freshExtents = extents(v2.resolve(DAMAGED));
      assertThat(damagedExtents).isNotEmpty();
      assertThat(freshExtents).isNotEmpty();
      for (long[] f : freshExtents) {
        for (long[] d : damagedExtents) {
          assertThat(f[1] < d[0] || d[1] < f[0])
              .as("fresh extent %d..%d overlaps damaged %d..%d", f[0], f[1], d[0], d[1])
              .isTrue();
        }
      }
      assertThat(Cli.run("verify", "--repo", repo, v2.getFileName().toString()).exitCode())
          .isZero();
      assertThat(record(repo).heal()).isEmpty();
      assertDamagedInList(repo, List.of(v1.getFileName().toString()), v2.getFileName().toString());
    }
  }

  @Test
  void aDamagedDamageRecordIsSetAsideAndTheBackupRereadsEveryFileFromTheCard() throws Exception {
    Path card = Cards.make(tmp.resolve("card"));
    String repo = tmp.resolve("repo").toString();
    assertThat(Cli.run("init", "--repo", repo, "--backend", "plain").exitCode()).isZero();
    assertThat(backup(repo, card).exitCode()).isZero();
    Path stored = versions(repo).get(0).resolve(DAMAGED);
    flipByteKeepingSizeAndMtime(stored);
    Path record = Path.of(repo, "hosts/rpi/damage.json");
    Files.writeString(record, "{\"heal\": [tru");

    Result r = backup(repo, card);

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out() + r.err())
        .contains(record + " was damaged and is kept as damage.json.damaged-")
        .contains("every file was re-read from the card");
    assertThat(record).doesNotExist();
    try (var s = Files.list(record.getParent())) {
      assertThat(s.map(p -> p.getFileName().toString()))
          .anyMatch(n -> n.startsWith("damage.json.damaged-"));
    }
    List<Path> after = versions(repo);
    assertThat(after).as("the flipped byte made the stored copy differ from the card").hasSize(2);
    assertThat(Files.readAllBytes(after.get(1).resolve(DAMAGED)))
        .isEqualTo(Files.readAllBytes(card.resolve("boot/vmlinuz-rpi")));
    Result verifyNew = Cli.run("verify", "--repo", repo, after.get(1).getFileName().toString());
    assertThat(verifyNew.exitCode()).as(verifyNew.toString()).isZero();
    Result show = Cli.run("show", "--repo", repo, after.get(1).getFileName().toString());
    assertThat(show.out()).contains("was damaged and is kept as");
  }

  private static Result backup(String repo, Path card) {
    return Cli.run("backup", "--repo", repo, "--source", card.toString());
  }

  private static void flipByteKeepingSizeAndMtime(Path file) throws Exception {
    FileTime mtime = Files.getLastModifiedTime(file);
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x01;
    Files.write(file, bytes);
    Files.setLastModifiedTime(file, mtime);
  }

  private static List<Path> versions(String repo) throws Exception {
    try (var s = Files.list(Path.of(repo, "hosts/rpi/versions"))) {
      return s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
    }
  }

  private static List<String> names(List<Path> versions) {
    return versions.stream().map(p -> p.getFileName().toString()).toList();
  }

  private static DamageRecord record(String repo) throws Exception {
    return DamageRecord.fromJson(
        Files.readString(Path.of(repo, "hosts/rpi/damage.json"), StandardCharsets.UTF_8));
  }

  private static void assertDamagedInList(String repo, List<String> damaged, String clean) {
    Result list = Cli.run("list", "--repo", repo);
    assertThat(list.exitCode()).isZero();
    for (String line : list.out().lines().toList()) {
      String id = line.split(" ", 2)[0];
      if (damaged.contains(id)) {
        assertThat(line).as(list.out()).contains("DAMAGED");
      } else if (id.equals(clean)) {
        assertThat(line).doesNotContain("DAMAGED");
      }
    }
    assertThat(list.out().lines().filter(l -> l.contains("DAMAGED")).count())
        .isEqualTo(damaged.size());
    assertThat(Cli.run("list", "--repo", repo, "--json").out()).contains("\"damaged\": true");
  }

  /** Physical byte ranges of a file's extents, from {@code filefrag -v} (blocks of 4096). */
  private static List<long[]> extents(Path file) throws Exception {
    String out = Commands.check(null, "filefrag", "-b4096", "-v", file.toString());
    Pattern row = Pattern.compile("^\\s*\\d+:\\s+\\d+\\.\\.\\s*\\d+:\\s+(\\d+)\\.\\.\\s*(\\d+):");
    List<long[]> ranges = new ArrayList<>();
    for (String line : out.lines().toList()) {
      Matcher m = row.matcher(line);
      if (m.find()) {
        ranges.add(new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))});
      }
    }
    return ranges;
  }
}
