package dev.lbuvault.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.json.Json;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Cli.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
  @TempDir Path tmp;
  Path card;
  String repo;

  @BeforeEach
  void setUp() throws Exception {
    card = Cards.make(tmp.resolve("card"));
    repo = tmp.resolve("repo").toString();
    Result init = Cli.run("init", "--repo", repo);
    assertThat(init.exitCode()).as(init.toString()).isZero();
  }

  private Result backup(String... extra) {
    String[] args = new String[4 + extra.length];
    args[0] = "backup";
    args[1] = "--repo";
    args[2] = repo;
    args[3] = "--source=" + card;
    System.arraycopy(extra, 0, args, 4, extra.length);
    return Cli.run(args);
  }

  @Test
  void initMakesAPrivateRepositoryAndRefusesToRunTwice() throws Exception {
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of(repo))))
        .isEqualTo("rwx------");
    Result again = Cli.run("init", "--repo", repo);
    assertThat(again.exitCode()).isEqualTo(ExitCodes.FAILURE);
    assertThat(again.err()).contains("is already an lbuvault repository");
  }

  @Test
  void backupThenUnchangedThenListShowAndVerify() throws Exception {
    Result first = backup();
    assertThat(first.exitCode()).as(first.toString()).isZero();
    assertThat(first.out()).startsWith("stored version ").contains("of host rpi");
    Result second = backup();
    assertThat(second.exitCode()).isZero();
    assertThat(second.out()).startsWith("unchanged: the card matches version");

    Result list = Cli.run("list", "--repo", repo, "--json");
    assertThat(list.exitCode()).isZero();
    List<?> rows = (List<?>) Json.parse(list.out());
    assertThat(rows).hasSize(1);
    Map<?, ?> row = (Map<?, ?>) rows.get(0);
    assertThat(row.get("host")).isEqualTo("rpi");
    assertThat((String) row.get("apkovlSha256")).hasSize(64);

    Result show = Cli.run("show", "--repo", repo, "latest");
    assertThat(show.exitCode()).isZero();
    assertThat(show.out()).contains("apkovl    rpi.apkovl.tar.gz").contains("card/config.txt");

    Result showJson = Cli.run("show", "--repo", repo, "--json", (String) row.get("id"));
    Map<?, ?> doc = (Map<?, ?>) Json.parse(showJson.out());
    assertThat((List<?>) doc.get("files")).hasSize(((Long) doc.get("fileCount")).intValue());

    Result verify = Cli.run("verify", "--repo", repo);
    assertThat(verify.exitCode()).as(verify.toString()).isZero();
    assertThat(verify.out()).contains(": OK");
  }

  @Test
  void verifyNamesAFlippedByteAMissingFileAndAnExtraFileAndExitsFour() throws Exception {
    backup();
    Path version;
    try (var s = Files.list(Path.of(repo, "hosts", "rpi", "versions"))) {
      version = s.findFirst().orElseThrow();
    }
    Path config = version.resolve("card/config.txt");
    Files.setPosixFilePermissions(
        version.resolve("card"), PosixFilePermissions.fromString("rwx------"));
    // Break the hard link first, so only the version's copy is damaged.
    byte[] bytes = Files.readAllBytes(config);
    bytes[3] ^= 0x01;
    Files.delete(config);
    Files.write(config, bytes);
    Files.delete(version.resolve("card/cmdline.txt"));
    Files.writeString(version.resolve("card/intruder"), "x");
    Result verify = Cli.run("verify", "--repo", repo);
    assertThat(verify.exitCode()).isEqualTo(ExitCodes.DAMAGED);
    assertThat(verify.out())
        .contains("CORRUPT card/config.txt")
        .contains("MISSING card/cmdline.txt")
        .contains("EXTRA card/intruder")
        .contains("3 problem(s)");
  }

  @Test
  void aBrokenVersionJsonIsReportedAndTheOtherVersionsStillVerify() throws Exception {
    backup();
    Cards.apkovl(card.resolve("rpi.apkovl.tar.gz"), "rpi", 4);
    backup();
    Path first;
    try (var s = Files.list(Path.of(repo, "hosts", "rpi", "versions")).sorted()) {
      first = s.findFirst().orElseThrow();
    }
    Files.setPosixFilePermissions(first, PosixFilePermissions.fromString("rwx------"));
    Files.delete(first.resolve("version.json"));
    Files.writeString(first.resolve("version.json"), "{ not json");
    Result verify = Cli.run("verify", "--repo", repo);
    assertThat(verify.exitCode()).isEqualTo(ExitCodes.DAMAGED);
    assertThat(verify.out()).contains(first.getFileName() + " METADATA version.json: unreadable");
    Result latest = Cli.run("verify", "--repo", repo, "latest");
    assertThat(latest.exitCode()).as(latest.toString()).isZero();
  }

  @Test
  void aBusyCardExitsFive() throws Exception {
    Files.writeString(card.resolve("rpi.apkovl.tar.gz.new"), "half");
    Result r = backup();
    assertThat(r.exitCode()).isEqualTo(ExitCodes.BUSY);
    assertThat(r.err()).startsWith("lbuvault: card busy: lbu commit in progress, retry later");
    assertThat(r.err().lines()).hasSize(1);
  }

  @Test
  void aCorruptApkovlExitsOneWithOneLineNamingTheFile() throws Exception {
    Files.write(card.resolve("rpi.apkovl.tar.gz"), new byte[] {0x1f, (byte) 0x8b, 8, 0, 1, 2, 3});
    Result r = backup();
    assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err())
        .contains("rpi.apkovl.tar.gz")
        .doesNotContain("Exception")
        .doesNotContain("\tat ");
    assertThat(r.err().lines()).hasSize(1);
  }

  @Test
  void aSecondWriterFailsAtOnceNamingTheHolder() throws Exception {
    backup();
    try (var channel =
            java.nio.channels.FileChannel.open(
                Path.of(repo, "lock"), java.nio.file.StandardOpenOption.WRITE);
        var lock = channel.lock()) {
      channel.write(
          java.nio.ByteBuffer.wrap("pid 4242 on testhost, started x, command backup\n".getBytes()),
          0);
      Result r = Cli.run("prune", "--repo", repo, "--keep-last", "1");
      assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
      assertThat(r.err())
          .contains("is locked by another lbuvault (pid 4242 on testhost")
          .contains("--lock-wait");
    }
  }

  @Test
  void pruneDryRunShowsTheRuleThatKeepsEachVersionAndRemovesNothing() throws Exception {
    backup();
    for (int seed = 20; seed < 23; seed++) {
      Cards.apkovl(card.resolve("rpi.apkovl.tar.gz"), "rpi", seed);
      assertThat(backup().exitCode()).isZero();
    }
    Result dry = Cli.run("prune", "--repo", repo, "--keep-last", "2", "--dry-run");
    assertThat(dry.exitCode()).as(dry.toString()).isZero();
    assertThat(dry.out()).contains("(last 1)").contains("(last 2)").contains("would remove");
    assertThat(dry.out()).contains("would remove 2 of 4 versions");
    assertThat(Cli.run("list", "--repo", repo).out().lines().count()).isEqualTo(5);

    Result real = Cli.run("prune", "--repo", repo, "--keep-last", "2");
    assertThat(real.exitCode()).isZero();
    assertThat(real.out()).contains("removed 2 of 4 versions");
    assertThat(Cli.run("list", "--repo", repo).out().lines().count()).isEqualTo(3);
    assertThat(Cli.run("verify", "--repo", repo).exitCode()).isZero();
  }

  @Test
  void pruneWithoutRulesRemovesNothing() {
    backup();
    Result r = Cli.run("prune", "--repo", repo);
    assertThat(r.out()).contains("removed 0 of 1 versions").contains("nothing is removed");
  }

  @Test
  void usageErrorsExitTwo() {
    assertThat(Cli.run("backup", "--repo", repo, "--bogus").exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(Cli.run("prune", "--repo", repo, "--keep-daily", "-1").exitCode())
        .isEqualTo(ExitCodes.USAGE);
    assertThat(
            Cli.run("backup", "--repo", repo, "--source", card.toString(), "--lock-wait", "soon")
                .exitCode())
        .isEqualTo(ExitCodes.USAGE);
    assertThat(Cli.run().exitCode()).isEqualTo(ExitCodes.USAGE);
  }

  @Test
  void aDirectoryThatIsNotARepositoryIsNamedWithTheFix() {
    Result r = Cli.run("list", "--repo", tmp.toString());
    assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err()).contains("is not an lbuvault repository").contains("lbuvault init --repo");
  }

  @Test
  void theSourceDefaultsToTheMediaInLbuConf() throws Exception {
    Path conf = tmp.resolve("lbu.conf");
    Files.writeString(conf, "LBU_MEDIA=nonexistent-card\n");
    Result r = Cli.run("backup", "--repo", repo, "--lbu-conf", conf.toString());
    assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err()).contains("/media/nonexistent-card is not a directory");
    Files.writeString(conf, "# nothing\n");
    Result none = Cli.run("backup", "--repo", repo, "--lbu-conf", conf.toString());
    assertThat(none.err()).contains("sets neither LBU_MEDIA nor LBU_BACKUPDIR");
  }
}
