package dev.lbuvault.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Cli.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code list} and {@code verify} of a repository with no versions succeed and say so. */
class EmptyRepositoryTest {
  @TempDir Path tmp;

  @Test
  void listAndVerifyOfAFreshRepositoryExitZeroAndSayThereAreNoVersions() {
    String repo = tmp.resolve("repo").toString();
    assertThat(Cli.run("init", "--repo", repo, "--backend", "plain").exitCode()).isZero();
    Result list = Cli.run("list", "--repo", repo);
    assertThat(list.exitCode()).as(list.toString()).isZero();
    assertThat(list.out()).contains("holds no versions yet");
    Result json = Cli.run("list", "--repo", repo, "--json");
    assertThat(json.exitCode()).isZero();
    assertThat(json.out().strip()).isEqualTo("[]");
    Result verify = Cli.run("verify", "--repo", repo);
    assertThat(verify.exitCode()).as(verify.toString()).isZero();
    assertThat(verify.out()).contains("holds no versions yet: nothing to verify");
  }

  @Test
  void aHostWhoseFirstBackupNeverPublishedListsAndVerifiesAsEmpty() throws Exception {
    String repo = tmp.resolve("repo").toString();
    assertThat(Cli.run("init", "--repo", repo, "--backend", "plain").exitCode()).isZero();
    Files.createDirectories(Path.of(repo, "hosts/rpi/versions"));
    Result list = Cli.run("list", "--repo", repo);
    assertThat(list.exitCode()).as(list.toString()).isZero();
    assertThat(list.out()).contains("host rpi has no versions yet");
    Result verify = Cli.run("verify", "--repo", repo);
    assertThat(verify.exitCode()).as(verify.toString()).isZero();
    assertThat(verify.out()).contains("host rpi has no versions yet: nothing to verify");
  }
}
