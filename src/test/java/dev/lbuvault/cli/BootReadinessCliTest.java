package dev.lbuvault.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.json.Json;
import dev.lbuvault.json.JsonObject;
import dev.lbuvault.testing.ApkIndexes;
import dev.lbuvault.testing.ApkIndexes.Pkg;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Cli.Result;
import dev.lbuvault.testing.Http;
import dev.lbuvault.testing.Promtool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 §4 end to end on cards made by make-card (GNU tar apkovls, a real-format APKINDEX): each
 * backup records whether the card boots unattended, {@code list} shows it in the BOOT column,
 * {@code show} names every reason on its own line, and the textfile exports lbuvault_boot_ready.
 */
class BootReadinessCliTest {
  private static final String BOOT_READY = "lbuvault_boot_ready{host=\"rpi\"}";

  @TempDir Path tmp;

  @Test
  void aFreshCardIsReadyAndEachLaterBreakageIsNamedOnItsOwnLine() throws Exception {
    Path card = Cards.make(tmp.resolve("card"));
    Path repo = init();
    Path tf = Files.createDirectory(tmp.resolve("textfile"));

    backup(repo, card, "--textfile-dir", tf.toString());
    assertThat(listLine(repo, 0)).containsPattern("  ready +  ");
    assertThat(list(repo).out().lines().findFirst().orElseThrow()).contains("  BOOT  ");
    assertThat(show(repo)).contains("boot      ready\n").doesNotContain("not ready:");
    JsonObject boot = latestJson(repo).object("boot");
    assertThat(boot.bool("ready")).isTrue();
    assertThat(boot.strings("world"))
        .containsExactly("alpine-base", "chrony", "openrc", "openssh", "podman", "runit");
    String text = Files.readString(tf.resolve("lbuvault.prom"));
    assertThat(Http.sample(text, BOOT_READY)).contains(1.0);
    Promtool.assertAccepts(text, tmp);

    // A leftover apkovl copy, a kernel config.txt names, the boot repository marker and the
    // only .apk of a world package go; the apkovl itself is unchanged (its world is reused).
    Files.copy(card.resolve("rpi.apkovl.tar.gz"), card.resolve("rpi.apkovl.tar.gz~"));
    Files.delete(card.resolve("boot/vmlinuz-rpi"));
    Files.delete(card.resolve("apks/.boot_repository"));
    Files.delete(card.resolve("apks/aarch64/runit-2.1.2-r0.apk"));
    backup(repo, card, "--textfile-dir", tf.toString());

    assertThat(listLine(repo, 1)).contains("  NOT READY  ");
    assertThat(show(repo))
        .contains("boot      NOT READY\n")
        .contains(
            "\n          not ready: 2 files at the root match the initramfs's *.apkovl.tar.gz*"
                + " (rpi.apkovl.tar.gz, rpi.apkovl.tar.gz~): it boots the first it finds;"
                + " keep exactly one\n")
        .contains("\n          not ready: missing boot/vmlinuz-rpi (named in config.txt)\n")
        .contains(
            "\n          not ready: missing apks/.boot_repository (the boot package repository)\n")
        .contains("\n          not ready: etc/apk/world: no .apk in apks/ or cache/ for runit\n");
    assertThat(latestJson(repo).object("boot").strings("reasons")).hasSize(4);
    assertThat(Http.sample(Files.readString(tf.resolve("lbuvault.prom")), BOOT_READY))
        .contains(0.0);
    Result json = Cli.run("list", "--repo", repo.toString(), "--json");
    assertThat(json.out()).contains("\"bootReady\": false").contains("\"bootReady\": true");
  }

  @Test
  void anEncryptedApkovlNeedsOpensslWithItsLibrariesInTheBootRepository() throws Exception {
    Path card = Cards.make(tmp.resolve("card"), "--encrypted", "correct horse");
    Path repo = init();

    backup(repo, card);
    assertThat(listLine(repo, 0)).contains("  NOT READY  ");
    assertThat(show(repo))
        .contains(
            "\n          not ready: encrypted apkovl: the initramfs installs openssl from the boot"
                + " repository to decrypt it, but apks/ has no .apk for openssl\n")
        .contains(
            "\n          note: needs a password at the console to boot (encrypted apkovl,"
                + " aes-256-cbc)\n")
        .contains("\n          note: etc/apk/world not checked: ");
    assertThat(latestJson(repo).object("boot").has("world"))
        .as("an encrypted apkovl's packages are not written in clear")
        .isFalse();

    // openssl and its libraries, with the index that says what each needs
    Path apks = card.resolve("apks/aarch64");
    for (String stem : List.of("openssl-3.3.2-r0", "libcrypto3-3.3.2-r0", "libssl3-3.3.2-r0")) {
      Files.write(apks.resolve(stem + ".apk"), new byte[4096]);
    }
    ApkIndexes.write(apks.resolve("APKINDEX.tar.gz"), OPENSSL, true);
    backup(repo, card);
    assertThat(listLine(repo, 1)).contains("  password  ");
    assertThat(show(repo)).contains("boot      ready\n").contains("note: needs a password");

    Files.delete(apks.resolve("libssl3-3.3.2-r0.apk"));
    backup(repo, card);
    assertThat(listLine(repo, 2)).contains("  NOT READY  ");
    assertThat(show(repo))
        .contains("but apks/ has no .apk for so:libssl.so.3 (needed by openssl)\n");
  }

  @Test
  void aVersionStoredBeforeTheCheckIsUnknownAndExportsNoSeries() throws Exception {
    Path card = Cards.make(tmp.resolve("card"));
    Path repo = init();
    Path tf = Files.createDirectory(tmp.resolve("textfile"));
    backup(repo, card);
    Path metadata = latestVersion(repo).resolve("version.json");
    Map<String, Object> fields =
        new LinkedHashMap<>(JsonObject.parse(Files.readString(metadata)).fields());
    assertThat(fields.remove("boot")).isNotNull();
    metadata.toFile().setWritable(true);
    Files.writeString(metadata, Json.write(fields));

    assertThat(listLine(repo, 0)).contains("  unknown  ");
    assertThat(show(repo)).contains("boot      unknown (stored before lbuvault checked");
    backup(repo, card, "--textfile-dir", tf.toString());
    String text = Files.readString(tf.resolve("lbuvault.prom"));
    assertThat(Http.sample(text, "lbuvault_versions{host=\"rpi\"}")).contains(1.0);
    assertThat(text).doesNotContain("lbuvault_boot_ready");
  }

  private static final List<Pkg> OPENSSL =
      List.of(
          Pkg.of("musl", "1.2.5-r0").providing("so:libc.musl-aarch64.so.1=1"),
          Pkg.of("libcrypto3", "3.3.2-r0", "so:libc.musl-aarch64.so.1")
              .providing("so:libcrypto.so.3=3.3.2-r0"),
          Pkg.of("libssl3", "3.3.2-r0", "so:libcrypto.so.3", "so:libc.musl-aarch64.so.1")
              .providing("so:libssl.so.3=3.3.2-r0"),
          Pkg.of("openssl", "3.3.2-r0", "so:libcrypto.so.3", "so:libssl.so.3")
              .providing("cmd:openssl=3.3.2-r0"));

  private Path init() {
    Path repo = tmp.resolve("repo");
    assertThat(Cli.run("init", "--repo", repo.toString()).exitCode()).isZero();
    return repo;
  }

  private static void backup(Path repo, Path card, String... more) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of("backup", "--repo", repo.toString(), "--source", card.toString()));
    args.addAll(List.of(more));
    Result r = Cli.run(args.toArray(String[]::new));
    assertThat(r.exitCode()).as(r.toString()).isZero();
  }

  private static Result list(Path repo) {
    Result r = Cli.run("list", "--repo", repo.toString());
    assertThat(r.exitCode()).as(r.toString()).isZero();
    return r;
  }

  /** The list line of the {@code index}th version, oldest first. */
  private static String listLine(Path repo, int index) {
    return list(repo).out().lines().skip(1 + index).findFirst().orElseThrow();
  }

  private static String show(Path repo) {
    Result r = Cli.run("show", "--repo", repo.toString());
    assertThat(r.exitCode()).as(r.toString()).isZero();
    return r.out();
  }

  private static JsonObject latestJson(Path repo) throws Exception {
    return JsonObject.parse(Files.readString(latestVersion(repo).resolve("version.json")));
  }

  private static Path latestVersion(Path repo) throws Exception {
    try (Stream<Path> s = Files.list(repo.resolve("hosts/rpi/versions"))) {
      Optional<Path> newest =
          s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().reduce((a, b) -> b);
      return newest.orElseThrow();
    }
  }
}
