package dev.lbuvault.torture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.cli.ExitCodes;
import dev.lbuvault.testing.BtrfsLoop;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Commands;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 7: a damaged repository. Each trial copies a repository of four versions, damages one to
 * three things at random (a flipped byte, a truncated file, a deleted file, an extra file, a broken
 * {@code version.json}, a damaged {@code SHA256SUMS}), and checks that {@code verify} exits 4
 * naming every damaged path in every version it affects (on the plain backend a file's inode is
 * shared by the versions that hold the same copy), that {@code list} still works, and that a
 * version the damage did not reach still recovers to a good image.
 */
class DamagedRepositoryTest {
  private static final int TRIALS = Torture.trials("damagedRepo", 6, 80);
  private static final int BTRFS_TRIALS = Torture.trials("damagedRepoBtrfs", 2, 20);
  private static final String CHECKED =
      "1-3 random damages per trial (flipped byte, truncated file, deleted file, extra file in"
          + " card/ or at the top, broken version.json, damaged or deleted SHA256SUMS); verify"
          + " exit 4 with a line naming each damaged path in each affected version and none for"
          + " the others; list exit 0; an unaffected version recovers (exit 0, inspect good)";

  private enum Damage {
    FLIP,
    TRUNCATE,
    DELETE,
    EXTRA_IN_CARD,
    EXTRA_AT_TOP,
    BROKEN_JSON,
    FLIP_SUMS,
    DELETE_SUMS
  }

  @TempDir Path tmp;

  @Test
  void plainBackend() throws Exception {
    Path template = tmp.resolve("template");
    Cli.run("init", "--repo", template.toString(), "--backend", "plain");
    fillWithVersions(template);
    try (Torture.Scenario s = Torture.scenario("7. damaged repository", "plain", CHECKED)) {
      damageRepeatedly(s, template, TRIALS, "plain", new Random(7));
      s.note("versions reached per trial: " + tally);
      s.passed();
    }
  }

  @Test
  void btrfsBackend() throws Exception {
    try (BtrfsLoop btrfs = BtrfsLoop.create(tmp, 512)) {
      Path repo = btrfs.mountPoint().resolve("repo");
      assertThat(Cli.run("init", "--repo", repo.toString()).out()).contains("backend btrfs");
      fillWithVersions(repo);
      try (Torture.Scenario s = Torture.scenario("7. damaged repository", "btrfs", CHECKED)) {
        // Snapshots cannot be copied cheaply; each trial damages a fresh set of versions.
        Random random = new Random(77);
        for (int trial = 0; trial < BTRFS_TRIALS; trial++) {
          if (trial > 0) {
            addVersions(repo, 4, 100 * trial);
          }
          List<Path> versions = Torture.versions(repo, "rpi");
          List<Path> fresh = versions.subList(versions.size() - 4, versions.size());
          for (Path v : fresh) {
            Commands.check(null, "btrfs", "property", "set", "-ts", v.toString(), "ro", "false");
          }
          trial(s, repo, fresh, versions, random, "btrfs trial " + trial);
          for (Path v : fresh) {
            Commands.check(null, "btrfs", "property", "set", "-ts", v.toString(), "ro", "true");
          }
          // Leave only healthy versions behind for the next trial.
          for (Path v : fresh) {
            Commands.check(null, "btrfs", "subvolume", "delete", v.toString());
          }
        }
        s.note("versions reached per trial: " + tally);
        s.passed();
      }
    }
  }

  private void damageRepeatedly(
      Torture.Scenario s, Path template, int trials, String backend, Random random)
      throws Exception {
    for (int trial = 0; trial < trials; trial++) {
      Path repo = tmp.resolve("repo-" + trial);
      // cp -a keeps the hard links between versions.
      Commands.check(null, "cp", "-a", template.toString(), repo.toString());
      List<Path> versions = Torture.versions(repo, "rpi");
      trial(s, repo, versions, versions, random, backend + " trial " + trial);
    }
  }

  private void trial(
      Torture.Scenario s, Path repo, List<Path> targets, List<Path> all, Random random, String when)
      throws Exception {
    int count = 1 + random.nextInt(3);
    // Expected (version id, path) pairs, and every version some damage reached.
    Set<String> expected = new LinkedHashSet<>();
    Set<Path> affected = new LinkedHashSet<>();
    Set<String> sumsDamaged = new LinkedHashSet<>();
    List<String> done = new ArrayList<>();
    for (int k = 0; k < count; k++) {
      Path v = targets.get(random.nextInt(targets.size()));
      Damage d = Damage.values()[random.nextInt(Damage.values().length)];
      List<Path> files = cardFiles(v);
      switch (d) {
        case FLIP, TRUNCATE -> {
          List<Path> nonEmpty = new ArrayList<>();
          for (Path f : files) {
            if (Files.size(f) > 0) {
              nonEmpty.add(f);
            }
          }
          Path f = nonEmpty.get(random.nextInt(nonEmpty.size()));
          // On plain, every version holding this inode is damaged with it.
          for (Path other : all) {
            Path same = other.resolve(v.relativize(f).toString());
            if (Files.exists(same) && sameInode(same, f)) {
              expected.add(id(other) + " " + v.relativize(f));
              affected.add(other);
            }
          }
          if (d == Damage.FLIP) {
            try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
              long at = (long) (random.nextDouble() * raf.length());
              raf.seek(at);
              int b = raf.read();
              raf.seek(at);
              raf.write(b ^ (1 + random.nextInt(255)));
            }
          } else {
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
              ch.truncate(random.nextInt((int) Math.min(Integer.MAX_VALUE, ch.size())));
            }
          }
        }
        case DELETE -> {
          if (files.isEmpty()) {
            continue;
          }
          Path f = files.get(random.nextInt(files.size()));
          Files.delete(f);
          expected.add(id(v) + " " + v.relativize(f));
          affected.add(v);
        }
        case EXTRA_IN_CARD -> {
          Path f = v.resolve("card/stray-" + random.nextInt(1000) + ".txt");
          Files.writeString(f, "stray\n");
          expected.add(id(v) + " " + v.relativize(f));
          affected.add(v);
        }
        case EXTRA_AT_TOP -> {
          Path f = v.resolve("notes-" + random.nextInt(1000) + ".txt");
          Files.writeString(f, "stray\n");
          expected.add(id(v) + " " + v.relativize(f));
          affected.add(v);
        }
        case BROKEN_JSON -> {
          Path json = v.resolve("version.json");
          String[] broken = {
            "",
            "{",
            "{}",
            "[]",
            "null",
            "{\"id\": 42}",
            "not json at all",
            Files.exists(json)
                ? Files.readString(json, StandardCharsets.UTF_8).replace("\"id\"", "\"di\"")
                : "{",
            "{\"formatVersion\": 1, \"id\": \"20200101T000000Z\"}"
          };
          Files.deleteIfExists(json);
          if (random.nextInt(5) == 0) {
            Files.write(json, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1});
          } else {
            Files.writeString(json, broken[random.nextInt(broken.length)]);
          }
          expected.add(id(v) + " version.json");
          affected.add(v);
        }
        case FLIP_SUMS, DELETE_SUMS -> {
          Path sums = v.resolve("SHA256SUMS");
          if (!Files.exists(sums)) {
            continue;
          }
          if (d == Damage.DELETE_SUMS) {
            Files.delete(sums);
          } else {
            byte[] bytes = Files.readAllBytes(sums);
            int at = random.nextInt(bytes.length);
            bytes[at] ^= (byte) (1 + random.nextInt(255));
            Files.delete(sums);
            Files.write(sums, bytes);
          }
          expected.add(id(v) + " SHA256SUMS");
          affected.add(v);
          sumsDamaged.add(id(v));
        }
        default -> throw new IllegalStateException(d.toString());
      }
      done.add(d + " in " + id(v));
    }
    String what = when + " (" + String.join(", ", done) + ")";
    // Without a trustworthy SHA256SUMS, verify can only report the list itself for that version.
    expected.removeIf(
        e -> sumsDamaged.contains(e.substring(0, e.indexOf(' '))) && !e.endsWith(" SHA256SUMS"));

    Cli.Result verify = Cli.run("verify", "--repo", repo.toString());
    assertThat(verify.exitCode()).as(what + ": " + verify).isEqualTo(ExitCodes.DAMAGED);
    assertThat(verify.err()).as(what).isEmpty();
    List<String> lines = verify.out().lines().toList();
    for (String e : expected) {
      String vid = e.substring(0, e.indexOf(' '));
      String path = e.substring(e.indexOf(' ') + 1);
      assertThat(lines)
          .as(what + ": verify names " + e + " in:\n" + verify.out())
          .anyMatch(l -> l.startsWith(vid + " ") && l.contains(path));
    }
    for (Path v : all) {
      if (!affected.contains(v)) {
        assertThat(lines)
            .as(what + ": no problem reported for the undamaged " + id(v))
            .noneMatch(l -> l.startsWith(id(v) + " "));
      }
    }
    Cli.Result list = Cli.run("list", "--repo", repo.toString());
    assertThat(list.exitCode()).as(what + ": " + list).isZero();

    List<Path> healthy = new ArrayList<>(all);
    healthy.removeAll(affected);
    if (!healthy.isEmpty()) {
      Path v = healthy.get(random.nextInt(healthy.size()));
      Path image = tmp.resolve("recovered.img");
      Cli.Result recover =
          Cli.run(
              "recover",
              "--repo",
              repo.toString(),
              "--version",
              id(v),
              "--to",
              image.toString(),
              "--yes");
      assertThat(recover.exitCode()).as(what + ": recover " + id(v) + ": " + recover).isZero();
      Cli.Result inspect = Cli.run("inspect", image.toString());
      assertThat(inspect.exitCode()).as(what + ": " + inspect).isZero();
      Files.delete(image);
    }
    s.trial();
    tally.merge(affected.size() + " of " + all.size() + " versions affected", 1, Integer::sum);
    if (s.trials() <= 3) {
      s.note("e.g. " + what);
    }
  }

  private final Map<String, Integer> tally = new TreeMap<>();

  private static String id(Path version) {
    return version.getFileName().toString();
  }

  private static boolean sameInode(Path a, Path b) throws Exception {
    Object ka =
        Files.readAttributes(a, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    Object kb =
        Files.readAttributes(b, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    return ka != null && ka.equals(kb);
  }

  private static List<Path> cardFiles(Path version) throws Exception {
    if (!Files.isDirectory(version.resolve("card"))) {
      return List.of();
    }
    try (Stream<Path> walk = Files.walk(version.resolve("card"))) {
      return walk.filter(Files::isRegularFile).sorted().toList();
    }
  }

  private void fillWithVersions(Path repo) throws Exception {
    addVersions(repo, 4, 0);
  }

  /** Adds versions that differ in the apkovl and in one more file each. */
  private void addVersions(Path repo, int n, int seed) throws Exception {
    Path card = tmp.resolve("card");
    if (!Files.exists(card)) {
      Cards.make(card);
    }
    for (int i = 0; i < n; i++) {
      Cards.apkovl(card.resolve("rpi.apkovl.tar.gz"), "rpi", 700 + seed + i);
      Files.writeString(card.resolve("usercfg.txt"), "# version " + (seed + i) + "\n");
      Cli.Result r = Cli.run("backup", "--repo", repo.toString(), "--source", card.toString());
      assertThat(r.exitCode()).as(r.toString()).isZero();
      assertThat(r.out()).startsWith("stored");
    }
  }
}
