package dev.lbuvault.recover;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.cli.ExitCodes;
import dev.lbuvault.json.Json;
import dev.lbuvault.testing.CardImages;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Cli.Result;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** recover onto image files, judged by sfdisk, fsck.fat, blkid, minfo and mcopy. */
class RecoverImageTest {
  @TempDir Path tmp;
  Path card;
  String repo;

  @BeforeEach
  void setUp() throws Exception {
    card = Cards.make(tmp.resolve("card"));
    repo = tmp.resolve("repo").toString();
    assertThat(Cli.run("init", "--repo", repo).exitCode()).isZero();
    backup();
  }

  private void backup() {
    Result r = Cli.run("backup", "--repo", repo, "--source", card.toString());
    assertThat(r.exitCode()).as(r.toString()).isZero();
  }

  private Path version() throws Exception {
    try (Stream<Path> s = Files.list(Path.of(repo, "hosts/rpi/versions"))) {
      return s.sorted().reduce((a, b) -> b).orElseThrow();
    }
  }

  private static Map<String, String> sha256Tree(Path root) throws Exception {
    Map<String, String> sums = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path f : s.filter(Files::isRegularFile).toList()) {
        String out = Commands.check(null, "sha256sum", f.toString());
        sums.put(root.relativize(f).toString(), out.substring(0, 64));
      }
    }
    return sums;
  }

  private static long partitionBytes(Path image) throws Exception {
    Map<?, ?> json = (Map<?, ?>) Json.parse(Commands.check(null, "sfdisk", "-J", image.toString()));
    Map<?, ?> table = (Map<?, ?>) json.get("partitiontable");
    Map<?, ?> p = (Map<?, ?>) ((List<?>) table.get("partitions")).get(0);
    return ((Long) p.get("size")) * 512;
  }

  @Test
  void aRecoveredImageIsAValidBootableFat32CardHoldingTheVersionByteForByte() throws Exception {
    Tools.require("sfdisk");
    Path image = tmp.resolve("card.img");
    Result r = Cli.run("recover", "--repo", repo, "--to", image.toString());
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("verification: OK");
    assertThat(r.out()).contains("volume id 1A2B-3C4D (from the apkovl's etc/fstab");

    Map<?, ?> json = (Map<?, ?>) Json.parse(Commands.check(null, "sfdisk", "-J", image.toString()));
    Map<?, ?> table = (Map<?, ?>) json.get("partitiontable");
    assertThat(table.get("label")).isEqualTo("dos");
    List<?> partitions = (List<?>) table.get("partitions");
    assertThat(partitions).hasSize(1);
    Map<?, ?> p = (Map<?, ?>) partitions.get(0);
    assertThat(p.get("start")).isEqualTo(8192L);
    assertThat(p.get("type")).isEqualTo("c");
    assertThat(p.get("bootable")).isEqualTo(Boolean.TRUE);
    long partitionBytes = ((Long) p.get("size")) * 512;

    Commands.Output fsck = CardImages.fsck(image, partitionBytes);
    assertThat(fsck.exitCode()).as(fsck.stdout() + fsck.stderr()).isZero();
    assertThat(fsck.stdout()).contains("32 reserved sectors");
    assertThat(CardImages.blkid(image, partitionBytes, "VERSION")).isEqualTo("FAT32");
    assertThat(CardImages.blkid(image, partitionBytes, "UUID")).isEqualTo("1A2B-3C4D");
    assertThat(CardImages.blkid(image, partitionBytes, "LABEL")).isEqualTo("PIBOOT");
    Tools.require("minfo");
    String minfo =
        Commands.check(
            null, "env", "MTOOLS_SKIP_CHECK=1", "minfo", "-i", CardImages.mtoolsImage(image), "::");
    assertThat(minfo).contains("serial number: 1A2B3C4D").contains("PIBOOT");

    Path out = CardImages.extract(image, tmp.resolve("extracted"));
    assertThat(sha256Tree(out)).isEqualTo(sha256Tree(version().resolve("card")));
    try (Stream<Path> root = Files.list(out)) {
      assertThat(
              root.map(f -> f.getFileName().toString()).filter(n -> n.contains(".apkovl.tar.gz")))
          .containsExactly("rpi.apkovl.tar.gz");
    }
    String mdir =
        Commands.check(
            null,
            "env",
            "MTOOLS_SKIP_CHECK=1",
            "mdir",
            "-i",
            CardImages.mtoolsImage(image),
            "::/overlays");
    assertThat(mdir).contains(".dtbo");

    Result inspect = Cli.run("inspect", image.toString());
    assertThat(inspect.exitCode()).as(inspect.toString()).isZero();
    assertThat(inspect.out()).contains("volume id 1A2B-3C4D").contains("verdict     good");
  }

  @Test
  void mtimesSurviveToTwoSecondResolution() throws Exception {
    Path image = tmp.resolve("card.img");
    assertThat(Cli.run("recover", "--repo", repo, "--to", image.toString()).exitCode()).isZero();
    Path out = CardImages.extract(image, tmp.resolve("x"));
    long want = Files.getLastModifiedTime(version().resolve("card/config.txt")).toMillis() / 2000;
    long got = Files.getLastModifiedTime(out.resolve("config.txt")).toMillis() / 2000;
    assertThat(got).isEqualTo(want);
  }

  @Test
  void flagsOverrideTheVolumeIdAndLabel() throws Exception {
    Path image = tmp.resolve("card.img");
    Result r =
        Cli.run(
            "recover",
            "--repo",
            repo,
            "--to",
            image.toString(),
            "--volume-id",
            "DEAD-BEEF",
            "--label",
            "mycard");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    long partitionBytes = partitionBytes(image);
    assertThat(CardImages.blkid(image, partitionBytes, "UUID")).isEqualTo("DEAD-BEEF");
    assertThat(CardImages.blkid(image, partitionBytes, "LABEL"))
        .as("the label keeps the case given, as mkfs.fat -n does")
        .isEqualTo("mycard");
  }

  @Test
  void anExistingCardImageIsOverwrittenOnlyWithYes() throws Exception {
    Path image = tmp.resolve("card.img");
    assertThat(Cli.run("recover", "--repo", repo, "--to", image.toString()).exitCode()).isZero();
    String before = Commands.check(null, "sha256sum", image.toString());
    Result r = Cli.run("recover", "--repo", repo, "--to", image.toString());
    assertThat(r.exitCode()).isEqualTo(ExitCodes.UNSAFE);
    assertThat(r.err()).contains("already exists").contains("--yes");
    assertThat(Commands.check(null, "sha256sum", image.toString())).isEqualTo(before);
    Result yes = Cli.run("recover", "--repo", repo, "--to", image.toString(), "--yes");
    assertThat(yes.exitCode()).as(yes.toString()).isZero();
  }

  @Test
  void anExistingFileThatIsNotACardImageIsReplacedOnlyWithForce() throws Exception {
    Path image = tmp.resolve("notes.txt");
    Files.writeString(image, "precious");
    Result r = Cli.run("recover", "--repo", repo, "--to", image.toString(), "--yes");
    assertThat(r.exitCode()).isEqualTo(ExitCodes.UNSAFE);
    assertThat(r.err()).contains(image.toString()).contains("not a card image").contains("--force");
    assertThat(Files.readString(image)).isEqualTo("precious");
    Result forced = Cli.run("recover", "--repo", repo, "--to", image.toString(), "--force");
    assertThat(forced.exitCode()).as(forced.toString()).isZero();
    assertThat(Files.size(image)).isGreaterThan(64L << 20);
  }

  @Test
  void aTargetInsideTheRepositoryIsRefusedEvenWithForce() throws Exception {
    Path image = Path.of(repo, "card.img");
    Result r = Cli.run("recover", "--repo", repo, "--to", image.toString(), "--force", "--yes");
    assertThat(r.exitCode()).isEqualTo(ExitCodes.UNSAFE);
    assertThat(r.err()).contains("inside the repository").contains("nothing was written");
    assertThat(image).doesNotExist();
  }

  @Test
  void aDryRunPrintsThePlanAndWritesNothing() {
    Path image = tmp.resolve("card.img");
    Result r = Cli.run("recover", "--repo", repo, "--to", image.toString(), "--dry-run");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("partition 1 at sector 8192")
        .contains("volume id 1A2B-3C4D")
        .contains("boot      OK")
        .contains("dry run: nothing was written");
    assertThat(image).doesNotExist();
  }

  @Test
  void theDefaultImageSizeIsContentPlusAQuarterPlus64MiBRoundedToAMiB() throws Exception {
    Path image = tmp.resolve("card.img");
    assertThat(Cli.run("recover", "--repo", repo, "--to", image.toString()).exitCode()).isZero();
    long content =
        Files.walk(version().resolve("card"))
            .filter(Files::isRegularFile)
            .mapToLong(f -> f.toFile().length())
            .sum();
    long partition = content + content / 4 + (64L << 20);
    partition = (partition + (1 << 20) - 1) / (1 << 20) * (1 << 20);
    assertThat(Files.size(image)).isEqualTo((4L << 20) + partition);
  }

  @Test
  void onlyTheChosenApkovlGoesOnTheCardAndOtherNewFilesComeBack() throws Exception {
    Cards.apkovl(card.resolve("other.apkovl.tar.gz"), "other", 5);
    Files.writeString(card.resolve("cache/stale.apk.new"), "x");
    assertThat(
            Cli.run("backup", "--repo", repo, "--source", card.toString(), "--host", "rpi")
                .exitCode())
        .isZero();
    Path image = tmp.resolve("card.img");
    Result r = Cli.run("recover", "--repo", repo, "--to", image.toString());
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.err()).contains("left out: other.apkovl.tar.gz");
    Path out = CardImages.extract(image, tmp.resolve("x"));
    assertThat(out.resolve("rpi.apkovl.tar.gz")).exists();
    assertThat(out.resolve("other.apkovl.tar.gz")).doesNotExist();
    assertThat(out.resolve("cache/stale.apk.new"))
        .as("a *.new file that is not an apkovl is the user's and comes back (issue 8 #6)")
        .hasContent("x");

    Path image2 = tmp.resolve("card2.img");
    Result chosen =
        Cli.run(
            "recover",
            "--repo",
            repo,
            "--to",
            image2.toString(),
            "--apkovl",
            "other.apkovl.tar.gz");
    assertThat(chosen.exitCode()).as(chosen.toString()).isZero();
    Path out2 = CardImages.extract(image2, tmp.resolve("y"));
    assertThat(out2.resolve("other.apkovl.tar.gz")).exists();
    assertThat(out2.resolve("rpi.apkovl.tar.gz")).doesNotExist();
  }

  @Test
  void aVersionWithoutBootFilesIsRefusedWithTheAdviceToUseARelease() throws Exception {
    Path bare = Cards.make(tmp.resolve("bare"), "--no-boot-files");
    Result b = Cli.run("backup", "--repo", repo, "--source", bare.toString());
    assertThat(b.exitCode()).as(b.toString()).isZero();
    Path image = tmp.resolve("card.img");
    Result r = Cli.run("recover", "--repo", repo, "--to", image.toString());
    assertThat(r.exitCode()).isEqualTo(ExitCodes.UNSAFE);
    assertThat(r.err())
        .contains("cannot boot: missing")
        .contains("config.txt")
        .contains("--alpine-release");
    assertThat(image).doesNotExist();

    Path release = tmp.resolve("alpine-rpi-3.22.0-aarch64.tar.gz");
    Commands.check(null, "bash", Cards.script().toString(), "--release", release.toString());
    Result ok =
        Cli.run(
            "recover",
            "--repo",
            repo,
            "--to",
            image.toString(),
            "--alpine-release",
            release.toString());
    assertThat(ok.exitCode()).as(ok.toString()).isZero();
    assertThat(ok.out()).contains("from the Alpine release");
    Path out = CardImages.extract(image, tmp.resolve("x"));
    assertThat(out.resolve("boot/vmlinuz-rpi")).exists();
    assertThat(out.resolve("apks/.boot_repository")).exists();
    assertThat(Files.readAllBytes(out.resolve("rpi.apkovl.tar.gz")))
        .isEqualTo(Files.readAllBytes(bare.resolve("rpi.apkovl.tar.gz")));
    assertThat(Files.readAllBytes(out.resolve("usercfg.txt")))
        .isEqualTo(Files.readAllBytes(bare.resolve("usercfg.txt")));
    assertThat(Cli.run("inspect", image.toString()).exitCode()).isZero();
  }

  @Test
  void aTreeFatCannotHoldIsRefusedNamingThePath() throws Exception {
    Files.writeString(card.resolve("cache/Readme.txt"), "a");
    Files.writeString(card.resolve("cache/README.TXT"), "b");
    backup();
    Path image = tmp.resolve("card.img");
    Result r = Cli.run("recover", "--repo", repo, "--to", image.toString());
    assertThat(r.exitCode()).isEqualTo(ExitCodes.UNSAFE);
    assertThat(r.err()).containsIgnoringCase("readme.txt");
    assertThat(image).doesNotExist();
  }

  @Test
  void inspectSaysABlankImageIsNotGood() throws Exception {
    Path blank = tmp.resolve("blank.img");
    Commands.check(null, "truncate", "-s", "16M", blank.toString());
    Result r = Cli.run("inspect", blank.toString());
    assertThat(r.exitCode()).isEqualTo(ExitCodes.DAMAGED);
    assertThat(r.out()).contains("NOT good");
  }
}
