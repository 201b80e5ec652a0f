package dev.lbuvault.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Cli.Result;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Http;
import dev.lbuvault.testing.Promtool;
import dev.lbuvault.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code backup --textfile-dir}: every run, whatever its result, leaves a counting textfile. */
class BackupTextfileTest {
  @TempDir Path tmp;

  private double value(Path dir, String series) throws Exception {
    return Http.sample(Files.readString(dir.resolve("lbuvault.prom")), series).orElseThrow();
  }

  private static String runs(String result) {
    return "lbuvault_backup_runs_total{host=\"rpi\",result=\"" + result + "\"}";
  }

  @Test
  void storedUnchangedBusyAndFailedRunsAllWriteTheFileAndKeepCounting() throws Exception {
    Path card = Cards.make(tmp.resolve("card"));
    Path repo = tmp.resolve("repo");
    Path tf = Files.createDirectory(tmp.resolve("textfile"));
    assertThat(Cli.run("init", "--repo", repo.toString()).exitCode()).isZero();
    String[] backup = {
      "backup",
      "--repo",
      repo.toString(),
      "--source",
      card.toString(),
      "--textfile-dir",
      tf.toString()
    };

    Result stored = Cli.run(backup);
    assertThat(stored.exitCode()).as(stored.toString()).isZero();
    assertThat(value(tf, runs("stored"))).isEqualTo(1);
    assertThat(value(tf, "lbuvault_versions{host=\"rpi\"}")).isEqualTo(1);
    double firstSuccess = value(tf, "lbuvault_backup_last_success_timestamp_seconds{host=\"rpi\"}");
    assertThat(firstSuccess).isGreaterThan(0);

    assertThat(Cli.run(backup).exitCode()).isZero();
    assertThat(value(tf, runs("unchanged"))).isEqualTo(1);
    assertThat(value(tf, runs("stored"))).isEqualTo(1);

    Files.copy(card.resolve("rpi.apkovl.tar.gz"), card.resolve("rpi.apkovl.tar.gz.new"));
    Result busy = Cli.run(backup);
    assertThat(busy.exitCode()).isEqualTo(ExitCodes.BUSY);
    assertThat(value(tf, runs("busy"))).isEqualTo(1);
    Files.delete(card.resolve("rpi.apkovl.tar.gz.new"));

    Files.writeString(card.resolve("rpi.apkovl.tar.gz"), "not a gzip stream");
    Result failed = Cli.run(backup);
    assertThat(failed.exitCode()).isEqualTo(ExitCodes.FAILURE);
    String text = Files.readString(tf.resolve("lbuvault.prom"));
    assertThat(Http.sample(text, runs("failed"))).contains(1.0);
    assertThat(Http.sample(text, runs("stored"))).contains(1.0);
    assertThat(Http.sample(text, runs("unchanged"))).contains(1.0);
    assertThat(
            Http.sample(text, "lbuvault_backup_last_attempt_timestamp_seconds{host=\"rpi\"}")
                .orElseThrow())
        .isGreaterThan(
            Http.sample(text, "lbuvault_backup_last_success_timestamp_seconds{host=\"rpi\"}")
                .orElseThrow());
    assertThat(Http.sample(text, "lbuvault_backup_duration_seconds_count{host=\"rpi\"}"))
        .contains(4.0);
    assertThat(text).doesNotContain("jvm_");
    Promtool.assertAccepts(text, tmp);
    try (var files = Files.list(tf)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("lbuvault.prom");
    }
  }

  @Test
  void aRunThatCannotOpenTheRepositoryStillWritesTheFile() throws Exception {
    Path card = Cards.make(tmp.resolve("card"));
    Path tf = Files.createDirectory(tmp.resolve("textfile"));
    Result r =
        Cli.run(
            "backup",
            "--repo",
            tmp.resolve("no-repo").toString(),
            "--source",
            card.toString(),
            "--textfile-dir",
            tf.toString());
    assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err()).contains("is not an lbuvault repository");
    assertThat(value(tf, runs("failed"))).isEqualTo(1);
    assertThat(Files.exists(tmp.resolve("no-repo"))).isFalse();
  }

  @Test
  void aReadOnlyRepositoryStillRecordsTheFailedAttemptInTheFile() throws Exception {
    Tools.requireRoot();
    Tools.require("mount");
    Path card = Cards.make(tmp.resolve("card"));
    Path repo = tmp.resolve("repo");
    Path tf = Files.createDirectory(tmp.resolve("textfile"));
    assertThat(Cli.run("init", "--repo", repo.toString()).exitCode()).isZero();
    Result stored =
        Cli.run(
            "backup",
            "--repo",
            repo.toString(),
            "--source",
            card.toString(),
            "--textfile-dir",
            tf.toString());
    assertThat(stored.exitCode()).as(stored.toString()).isZero();
    Files.writeString(card.resolve("config.txt"), "changed\n");
    Path ro = Files.createDirectory(tmp.resolve("ro"));
    Commands.check(null, "mount", "--bind", repo.toString(), ro.toString());
    try {
      Commands.check(null, "mount", "-o", "remount,bind,ro", ro.toString());
      Result failed =
          Cli.run(
              "backup",
              "--repo",
              ro.toString(),
              "--source",
              card.toString(),
              "--textfile-dir",
              tf.toString());
      assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(ExitCodes.FAILURE);
      String text = Files.readString(tf.resolve("lbuvault.prom"));
      assertThat(Http.sample(text, runs("failed"))).as(text).contains(1.0);
      assertThat(Http.sample(text, runs("stored"))).as(text).contains(1.0);
      assertThat(
              Http.sample(text, "lbuvault_backup_last_attempt_timestamp_seconds{host=\"rpi\"}")
                  .orElseThrow())
          .isGreaterThan(
              Http.sample(text, "lbuvault_backup_last_success_timestamp_seconds{host=\"rpi\"}")
                  .orElseThrow());
      assertThat(Http.sample(text, "lbuvault_versions{host=\"rpi\"}")).contains(1.0);
      Promtool.assertAccepts(text, tmp);
    } finally {
      Commands.check(null, "umount", ro.toString());
    }
  }
}
