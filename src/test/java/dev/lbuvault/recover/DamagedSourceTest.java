package dev.lbuvault.recover;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.cli.ExitCodes;
import dev.lbuvault.testing.BtrfsLoop;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Cli.Result;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.LoopDevice;
import dev.lbuvault.testing.Tools;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One flipped byte in a stored file, with its size and mtime kept (what bit rot looks like), must
 * stop recover with exit 4 before the target is touched, and name the newest other version that
 * holds the file intact with the command to recover from it. Both backends, image and device.
 */
class DamagedSourceTest {
  private static final String KERNEL = "boot/vmlinuz-rpi";

  @TempDir Path tmp;
  Path card;

  /** Two versions whose kernels differ (so they are separate files), both intact. */
  private List<Path> twoVersions(Path repo, String... initOptions) throws Exception {
    card = Cards.make(tmp.resolve("card"));
    List<String> init = new java.util.ArrayList<>(List.of("init", "--repo", repo.toString()));
    init.addAll(List.of(initOptions));
    assertThat(Cli.run(init.toArray(String[]::new)).exitCode()).isZero();
    backup(repo);
    Path kernel = card.resolve(KERNEL);
    Files.write(kernel, new byte[] {42}, java.nio.file.StandardOpenOption.APPEND);
    Files.setLastModifiedTime(kernel, FileTime.fromMillis(System.currentTimeMillis() + 10_000));
    backup(repo);
    try (Stream<Path> s = Files.list(repo.resolve("hosts/rpi/versions"))) {
      List<Path> versions = s.sorted().toList();
      assertThat(versions).hasSize(2);
      return versions;
    }
  }

  private void backup(Path repo) {
    Result r = Cli.run("backup", "--repo", repo.toString(), "--source", card.toString());
    assertThat(r.exitCode()).as(r.toString()).isZero();
  }

  /** Flips one byte in the middle of the file, keeping its size and mtime. */
  static void flipOneByte(Path file) throws Exception {
    FileTime mtime = Files.getLastModifiedTime(file);
    long size = Files.size(file);
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(size / 2);
      int b = raf.read();
      raf.seek(size / 2);
      raf.write(b ^ 0x01);
    }
    Files.setLastModifiedTime(file, mtime);
    assertThat(Files.size(file)).isEqualTo(size);
  }

  private static String id(Path version) {
    return version.getFileName().toString();
  }

  private void assertDamageReported(Result r, Path repo, Path damaged, Path intact, Path target) {
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.DAMAGED);
    List<String> errors = r.err().lines().filter(l -> !l.startsWith("warning: ")).toList();
    assertThat(errors).hasSize(1);
    assertThat(errors.get(0))
        .contains("card/" + KERNEL + " of version " + id(damaged))
        .contains("damaged")
        .contains("version " + id(intact) + " holds it intact")
        .contains(
            "lbuvault recover --repo "
                + repo
                + " --host rpi --to "
                + target
                + " --version "
                + id(intact));
  }

  private void assertNothingAt(Path image) throws Exception {
    assertThat(image).doesNotExist();
    try (Stream<Path> s = Files.list(image.getParent())) {
      assertThat(s.map(p -> p.getFileName().toString()))
          .noneMatch(n -> n.contains(image.getFileName().toString()));
    }
  }

  @Test
  void aFlippedByteInThePlainBackendStopsRecoverWithExit4AndNothingAtTheImagePath()
      throws Exception {
    Path repo = tmp.resolve("repo");
    List<Path> v = twoVersions(repo, "--backend", "plain");
    flipOneByte(v.get(1).resolve("card").resolve(KERNEL));
    Path out = Files.createDirectories(tmp.resolve("out"));
    Path image = out.resolve("card.img");

    Result r = Cli.run("recover", "--repo", repo.toString(), "--to", image.toString());
    assertDamageReported(r, repo, v.get(1), v.get(0), image);
    assertNothingAt(image);

    Result dry =
        Cli.run("recover", "--repo", repo.toString(), "--to", image.toString(), "--dry-run");
    assertDamageReported(dry, repo, v.get(1), v.get(0), image);

    Result suggested =
        Cli.run(
            "recover",
            "--repo",
            repo.toString(),
            "--host",
            "rpi",
            "--to",
            image.toString(),
            "--version",
            id(v.get(0)));
    assertThat(suggested.exitCode()).as(suggested.toString()).isZero();
    assertThat(suggested.out()).contains("verification: OK");
  }

  @Test
  void aFileListedInSha256sumsButMissingFromTheVersionIsDamageNotASilentlyShorterCard()
      throws Exception {
    Path repo = tmp.resolve("repo");
    List<Path> v = twoVersions(repo, "--backend", "plain");
    Files.delete(v.get(1).resolve("card/overlays/dwc2.dtbo"));
    Path out = Files.createDirectories(tmp.resolve("out"));
    Path image = out.resolve("card.img");

    Result r = Cli.run("recover", "--repo", repo.toString(), "--to", image.toString());

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.DAMAGED);
    assertThat(r.err())
        .contains("card/overlays/dwc2.dtbo of version " + id(v.get(1)))
        .contains("listed in SHA256SUMS but missing")
        .contains("version " + id(v.get(0)) + " holds it intact");
    assertNothingAt(image);
    Result dry =
        Cli.run("recover", "--repo", repo.toString(), "--to", image.toString(), "--dry-run");
    assertThat(dry.exitCode()).as(dry.toString()).isEqualTo(ExitCodes.DAMAGED);
  }

  @Test
  void aDamagedFileSharedByEveryVersionIsReportedWithNoVersionToFallBackTo() throws Exception {
    Path repo = tmp.resolve("repo");
    List<Path> v = twoVersions(repo, "--backend", "plain");
    // config.txt did not change, so the plain backend hard-linked it: both copies are damaged.
    Path config = v.get(1).resolve("card/config.txt");
    assertThat(Files.isSameFile(config, v.get(0).resolve("card/config.txt"))).isTrue();
    flipOneByte(config);
    Path image = tmp.resolve("card.img");
    Result r =
        Cli.run(
            "recover",
            "--repo",
            repo.toString(),
            "--to",
            image.toString(),
            "--version",
            id(v.get(0)));
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.DAMAGED);
    assertThat(r.err())
        .contains("card/config.txt of version " + id(v.get(0)))
        .contains("no other version holds it intact")
        .contains("lbuvault backup");
    assertNothingAt(image);
  }

  @Test
  void aFlippedByteLeavesARealDeviceByteForByteUntouched() throws Exception {
    Tools.requireRoot();
    Path repo = tmp.resolve("repo");
    List<Path> v = twoVersions(repo, "--backend", "plain");
    flipOneByte(v.get(1).resolve("card").resolve(KERNEL));
    Path disk = tmp.resolve("disk.img");
    Commands.check(null, "truncate", "-s", "128M", disk.toString());
    Files.write(
        disk,
        "an old card's bytes".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
        java.nio.file.StandardOpenOption.WRITE);
    try (LoopDevice loop = LoopDevice.attach(disk)) {
      String before = sha256(loop.path());
      Result r =
          Cli.run("recover", "--repo", repo.toString(), "--to", loop.path().toString(), "--yes");
      assertDamageReported(r, repo, v.get(1), v.get(0), loop.path());
      assertThat(sha256(loop.path())).isEqualTo(before);
    }
  }

  @Test
  void aFlippedByteInTheBtrfsBackendStopsRecoverWithExit4() throws Exception {
    try (BtrfsLoop btrfs = BtrfsLoop.create(Files.createDirectories(tmp.resolve("fs")), 512)) {
      Path repo = btrfs.mountPoint().resolve("repo");
      List<Path> v = twoVersions(repo);
      assertThat(Files.readString(repo.resolve("lbuvault.json"))).contains("btrfs");
      Path version = v.get(1);
      Commands.check(null, "btrfs", "property", "set", "-ts", version.toString(), "ro", "false");
      flipOneByte(version.resolve("card").resolve(KERNEL));
      Commands.check(null, "btrfs", "property", "set", "-ts", version.toString(), "ro", "true");
      Path image = Files.createDirectories(tmp.resolve("out")).resolve("card.img");
      Result r = Cli.run("recover", "--repo", repo.toString(), "--to", image.toString());
      assertDamageReported(r, repo, v.get(1), v.get(0), image);
      assertNothingAt(image);
    }
  }

  private static String sha256(Path device) throws Exception {
    return Commands.check(null, "sha256sum", device.toString()).substring(0, 64);
  }
}
