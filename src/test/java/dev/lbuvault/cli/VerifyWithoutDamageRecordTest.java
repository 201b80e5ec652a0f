package dev.lbuvault.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Cli.Result;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** verify reports what it found even when it cannot record the damage for the next backup. */
class VerifyWithoutDamageRecordTest {
  @TempDir Path tmp;

  @Test
  void aDamagedDamageRecordStillLetsVerifyReportTheFlippedByteWithExit4() throws Exception {
    Path card = Cards.make(tmp.resolve("card"));
    String repo = tmp.resolve("repo").toString();
    assertThat(Cli.run("init", "--repo", repo, "--backend", "plain").exitCode()).isZero();
    assertThat(Cli.run("backup", "--repo", repo, "--source", card.toString()).exitCode()).isZero();
    Path version;
    try (Stream<Path> s = Files.list(Path.of(repo, "hosts/rpi/versions"))) {
      version = s.findFirst().orElseThrow();
    }
    Path file = version.resolve("card/config.txt");
    FileTime mtime = Files.getLastModifiedTime(file);
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      int b = raf.read();
      raf.seek(0);
      raf.write(b ^ 1);
    }
    Files.setLastModifiedTime(file, mtime);
    Files.writeString(Path.of(repo, "hosts/rpi/damage.json"), "{not json");

    Result r = Cli.run("verify", "--repo", repo);

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.DAMAGED);
    assertThat(r.out()).contains("card/config.txt").contains("1 problem");
    assertThat(r.err()).contains("warning: damage not recorded").contains("damage.json");
  }
}
