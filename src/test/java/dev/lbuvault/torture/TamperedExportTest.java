package dev.lbuvault.torture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.cli.ExitCodes;
import dev.lbuvault.fs.SecureFiles;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Gpg;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 19: a tampered export. An export of four versions (to a key gpg made) is copied for each
 * trial and damaged at random where an untrusted disk could: a byte flipped anywhere (session key,
 * packet headers, ciphertext, integrity packet), a file cut at a random length, two files swapped,
 * a file deleted. {@code verify --export} must name exactly the damaged files (exit 4), and {@code
 * import} must name each of them too (exit 4), import every undamaged version, and publish nothing
 * of a damaged one: no version, no staging or partial tree left.
 */
class TamperedExportTest {
  private static final int TRIALS = Torture.trials("tamperedExport", 4, 40);
  private static final String CHECKED =
      "1-2 random damages per trial (flipped byte at a random offset, truncation at a random"
          + " length, two files swapped, a file deleted); verify --export exit 4 naming exactly"
          + " the damaged files; import exit 4 naming each, importing exactly the undamaged"
          + " versions (which verify clean), no .import-/.partial- leftovers";
  private static final String HOST = "rpi";

  private enum Damage {
    FLIP,
    TRUNCATE,
    SWAP,
    DELETE
  }

  @TempDir Path tmp;

  @Test
  void tamperedExportFiles() throws Exception {
    try (Gpg gpg = Gpg.in(tmp.resolve("gnupg"))) {
      gpg.generate("Torture <t@example.org>", "default", "");
      Path pub = gpg.exportPublic("t@example.org", tmp.resolve("t.pub"), false);
      Path sec = gpg.exportSecret("t@example.org", "", tmp.resolve("t.sec"), false);
      Path export = exportOfFourVersions(pub);
      try (Torture.Scenario s = Torture.scenario("19. tampered export file", "plain", CHECKED)) {
        Random random = new Random(19);
        for (int trial = 0; trial < TRIALS; trial++) {
          tamperAndCheck(export, sec, trial, random);
          s.trial();
        }
        s.passed();
      }
    }
  }

  private Path exportOfFourVersions(Path pub) throws Exception {
    Path card = Cards.make(tmp.resolve("card"), "--host", HOST);
    String repo = tmp.resolve("repo").toString();
    assertThat(Cli.run("init", "--repo", repo, "--backend", "plain").exitCode()).isZero();
    for (int seed = 1; seed <= 4; seed++) {
      Cards.apkovl(card.resolve(HOST + ".apkovl.tar.gz"), HOST, seed);
      assertThat(Cli.run("backup", "--repo", repo, "--source", card.toString()).exitCode())
          .isZero();
    }
    Path export = tmp.resolve("export");
    Cli.Result r =
        Cli.run("export", "--repo", repo, "--to", export.toString(), "--recipient", pub.toString());
    assertThat(r.exitCode()).as(r.toString()).isZero();
    return export;
  }

  private void tamperAndCheck(Path template, Path sec, int trial, Random random) throws Exception {
    Path copy = tmp.resolve("trial-" + trial);
    Files.createDirectories(copy);
    for (Path f : pgpFiles(template)) {
      Files.copy(f, copy.resolve(f.getFileName()));
    }
    Files.copy(template.resolve("SHA256SUMS"), copy.resolve("SHA256SUMS"));
    List<Path> files = pgpFiles(copy);
    Set<Path> damaged = new LinkedHashSet<>();
    List<String> done = new ArrayList<>();
    int count = 1 + random.nextInt(2);
    for (int i = 0; i < count; i++) {
      Damage d = Damage.values()[random.nextInt(Damage.values().length)];
      Path victim = files.get(random.nextInt(files.size()));
      if (!Files.exists(victim)) {
        continue;
      }
      done.add(d + " " + victim.getFileName());
      switch (d) {
        case FLIP -> flip(victim, random);
        case TRUNCATE -> truncate(victim, random);
        case DELETE -> Files.delete(victim);
        case SWAP -> {
          Path other = files.get((files.indexOf(victim) + 1) % files.size());
          if (!Files.exists(other)) {
            continue;
          }
          Path spare = copy.resolve("spare");
          Files.move(victim, spare);
          Files.move(other, victim);
          Files.move(spare, other, StandardCopyOption.ATOMIC_MOVE);
        }
      }
    }
    // Judged by the bytes, not by what was done: two swaps of one pair undo each other.
    for (Path f : files) {
      Path original = template.resolve(f.getFileName());
      if (!Files.exists(f) || Files.mismatch(f, original) != -1L) {
        damaged.add(f);
      }
    }
    if (damaged.isEmpty()) { // every damage drawn undid itself: one flip always counts
      flip(files.get(0), random);
      done.add("FLIP " + files.get(0).getFileName());
      damaged.add(files.get(0));
    }
    String what = "trial " + trial + " (" + String.join(", ", done) + ")";

    Cli.Result verify = Cli.run("verify", "--export", copy.toString());
    assertThat(verify.exitCode()).as(what + ": " + verify).isEqualTo(ExitCodes.DAMAGED);
    for (Path f : files) {
      assertThat(verify.out().contains(f.toString() + ":"))
          .as(what + ": verify names " + f.getFileName() + " iff damaged\n" + verify)
          .isEqualTo(damaged.contains(f));
    }

    String restored = tmp.resolve("restored-" + trial).toString();
    Cli.Result imported =
        Cli.run(
            "import",
            "--from",
            copy.toString(),
            "--repo",
            restored,
            "--secret-key",
            sec.toString());
    assertThat(imported.exitCode()).as(what + ": " + imported).isEqualTo(ExitCodes.DAMAGED);
    for (Path f : damaged) {
      assertThat(imported.err()).as(what).contains("damaged: " + f + ":");
    }
    int intact = files.size() - damaged.size();
    assertThat(imported.out()).as(what).contains("imported " + intact + " version(s)");
    if (intact > 0) {
      Cli.Result v = Cli.run("verify", "--repo", restored);
      assertThat(v.exitCode()).as(what + ": " + v).isZero();
    }
    try (Stream<Path> s = Files.walk(Path.of(restored), 4)) {
      assertThat(s.map(p -> p.getFileName().toString()))
          .as(what)
          .noneMatch(n -> n.startsWith(".import-") || n.startsWith(".partial-"));
    }
    SecureFiles.deleteTree(copy);
    SecureFiles.deleteTree(Path.of(restored));
  }

  private static List<Path> pgpFiles(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".pgp")).sorted().toList();
    }
  }

  private static void flip(Path file, Random random) throws Exception {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      long at = (long) (random.nextDouble() * f.length());
      f.seek(at);
      int b = f.read();
      f.seek(at);
      f.write(b ^ (1 << random.nextInt(8)));
    }
  }

  private static void truncate(Path file, Random random) throws Exception {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength((long) (random.nextDouble() * f.length()));
    }
  }
}
