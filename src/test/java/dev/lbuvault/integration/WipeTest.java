package dev.lbuvault.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.LoopDevice;
import dev.lbuvault.testing.Tools;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code recover --wipe} on a real loop device (which supports discard over a file): a secret an
 * old card held in what becomes free space is gone afterwards; without {@code --wipe} it stays,
 * which is what docs/recovery.md warns about.
 */
class WipeTest {
  private static final String SECRET = "root:$6$old-card-shadow-hash:19000:0:::::";
  private static final long MARKER_OFFSET = 100L << 20;

  @TempDir Path tmp;
  String repo;

  @BeforeEach
  void setUp() throws Exception {
    Tools.requireRoot();
    Path card = Cards.make(tmp.resolve("card"));
    repo = tmp.resolve("repo").toString();
    assertThat(Cli.run("init", "--repo", repo).exitCode()).isZero();
    assertThat(Cli.run("backup", "--repo", repo, "--source", card.toString()).exitCode()).isZero();
  }

  private Path oldCard() throws Exception {
    Path file = tmp.resolve("old-card.img");
    Commands.check(null, "truncate", "-s", "128M", file.toString());
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(MARKER_OFFSET);
      raf.write(SECRET.getBytes(StandardCharsets.US_ASCII));
    }
    return file;
  }

  private static boolean holdsSecret(Path file) throws Exception {
    Commands.Output grep =
        Commands.run(null, List.of("grep", "-c", "-a", "-F", SECRET, file.toString()));
    return grep.exitCode() == 0;
  }

  private void recover(Path device, String... extra) throws Exception {
    List<String> args =
        new java.util.ArrayList<>(
            List.of("recover", "--repo", repo, "--to", device.toString(), "--yes"));
    args.addAll(List.of(extra));
    Cli.Result r = Cli.run(args.toArray(String[]::new));
    assertThat(r.exitCode()).as(r.toString()).isZero();
  }

  @Test
  void withWipeASecretInFreeSpaceIsGoneAndTheCardIsGood() throws Exception {
    Path file = oldCard();
    try (LoopDevice loop = LoopDevice.attach(file)) {
      recover(loop.path(), "--wipe");
    }
    assertThat(holdsSecret(file)).isFalse();
    assertThat(Cli.run("inspect", file.toString()).exitCode()).isZero();
  }

  @Test
  void withoutWipeTheSecretStays() throws Exception {
    Path file = oldCard();
    try (LoopDevice loop = LoopDevice.attach(file)) {
      recover(loop.path());
    }
    assertThat(holdsSecret(file)).isTrue();
    assertThat(Files.size(file)).isEqualTo(128L << 20);
  }
}
