package dev.lbuvault.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Tools;
import java.io.File;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * File names must not depend on the caller's locale: cron, runit and bare containers run lbuvault
 * with {@code LC_ALL=C} or no locale at all, where Java would decode names as ASCII. The real
 * launcher ({@code scripts/lbuvault}) runs the real classes under {@code env -i}, and a card
 * holding {@code café.txt} must back up, verify, show and recover to an image whose FAT (read by
 * mtools) holds {@code café.txt} with the same bytes.
 */
class LocaleIndependenceTest {
  @TempDir Path tmp;

  /**
   * A jar of target/classes whose manifest's Class-Path is this test's own class path (surefire's
   * booter jar, whose manifest lists the dependencies in turn), so the launcher's {@code -jar} runs
   * the classes under test without a packaging step.
   */
  private Path thinJar() throws Exception {
    List<String> deps = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      deps.add(Path.of(entry).toAbsolutePath().toUri().toString());
    }
    Path manifest = tmp.resolve("manifest.txt");
    // Manifest lines hold at most 72 bytes: a longer value continues on lines that start with
    // one space, which the reader drops, so the value is cut into pieces anywhere.
    String value = String.join(" ", deps);
    StringBuilder m = new StringBuilder("Main-Class: dev.lbuvault.cli.Start\nClass-Path: ");
    for (int i = 0; i < value.length(); i += 60) {
      m.append(i == 0 ? "" : " ").append(value, i, Math.min(value.length(), i + 60)).append('\n');
    }
    Files.writeString(manifest, m.toString());
    Path jar = tmp.resolve("lbuvault.jar");
    Path jarTool = Path.of(System.getProperty("java.home"), "bin", "jar");
    Commands.check(
        null,
        jarTool.toString(),
        "--create",
        "--file",
        jar.toString(),
        "--manifest",
        manifest.toString(),
        "-C",
        Path.of("target/classes").toAbsolutePath().toString(),
        ".");
    return jar;
  }

  private static Commands.Output launch(List<String> locale, Path jar, String... args)
      throws Exception {
    List<String> cmd = new ArrayList<>(List.of("env", "-i", "PATH=/usr/bin:/bin"));
    cmd.addAll(locale);
    cmd.add("LBUVAULT_JAR=" + jar);
    cmd.add("JAVA_HOME=" + System.getProperty("java.home"));
    cmd.add("sh");
    cmd.add(Path.of("scripts/lbuvault").toAbsolutePath().toString());
    cmd.addAll(List.of(args));
    return Commands.run(null, cmd);
  }

  @Test
  void aNonAsciiNameSurvivesBackupVerifyShowAndRecoverWithoutAUtf8Locale() throws Exception {
    Tools.require("mcopy");
    Path jar = thinJar();
    for (List<String> locale : List.of(List.of("LC_ALL=C"), List.<String>of())) {
      Path dir = Files.createTempDirectory(tmp, "run-");
      Path card = Cards.make(dir.resolve("card"));
      Files.writeString(card.resolve("café.txt"), "accented\n");
      Files.createDirectories(card.resolve("répertoire"));
      Files.writeString(card.resolve("répertoire/naïve.txt"), "deeper\n");
      String repo = dir.resolve("repo").toString();

      Commands.Output init = launch(locale, jar, "init", "--repo", repo);
      assertThat(init.exitCode()).as(locale + " init: " + init.stderr()).isZero();
      Commands.Output backup =
          launch(locale, jar, "backup", "--repo", repo, "--source", card.toString());
      assertThat(backup.exitCode()).as(locale + " backup: " + backup.stderr()).isZero();
      assertThat(backup.stdout() + backup.stderr()).doesNotContain("not captured");
      Path mirror = Path.of(repo, "hosts/rpi/current/card");
      assertThat(mirror.resolve("café.txt")).hasContent("accented");

      Commands.Output verify = launch(locale, jar, "verify", "--repo", repo);
      assertThat(verify.exitCode()).as(locale + " verify: " + verify.stderr()).isZero();
      Commands.Output show = launch(locale, jar, "show", "--repo", repo, "latest");
      assertThat(show.exitCode()).as(locale + " show: " + show.stderr()).isZero();

      Path image = dir.resolve("card.img");
      Commands.Output recover =
          launch(locale, jar, "recover", "--repo", repo, "--to", image.toString(), "--yes");
      assertThat(recover.exitCode()).as(locale + " recover: " + recover.stderr()).isZero();
      String fat = image + "@@" + partitionOffset(image);
      Path out = dir.resolve("out");
      Files.createDirectories(out);
      Commands.Output copy =
          Commands.run(
              null,
              List.of(
                  "env",
                  "LC_ALL=C.UTF-8",
                  "mcopy",
                  "-n",
                  "-i",
                  fat,
                  "::/café.txt",
                  "::/répertoire/naïve.txt",
                  out.toString()));
      assertThat(copy.exitCode()).as(locale + " mcopy: " + copy.stderr()).isZero();
      assertThat(out.resolve("café.txt")).hasContent("accented");
      assertThat(out.resolve("naïve.txt")).hasContent("deeper");
    }
  }

  /** The byte offset of the first MBR partition (its start LBA at offset 454, little-endian). */
  private static long partitionOffset(Path image) throws Exception {
    try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "r")) {
      f.seek(454);
      long lba = 0;
      for (int i = 0; i < 4; i++) {
        lba |= (long) f.read() << (8 * i);
      }
      return lba * 512;
    }
  }
}
