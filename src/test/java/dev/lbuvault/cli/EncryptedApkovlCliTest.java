package dev.lbuvault.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.json.Json;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Cli.Result;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Openssl;
import dev.lbuvault.testing.Openssl.Kdf;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI with a card whose apkovl lbu encrypted ({@code ENCRYPTION=aes-256-cbc}), made with the
 * real {@code openssl enc}; the password only ever travels through files.
 */
class EncryptedApkovlCliTest {
  private static final String SECRET = "Sesame-7f3a9c";
  private static final String APKOVL = "rpi.apkovl.tar.gz.aes-256-cbc";

  @TempDir Path tmp;
  private Path card;
  private Path plainApkovl;
  private Path passwordFile;
  private String repo;
  private final List<Result> results = new ArrayList<>();

  @BeforeEach
  void makeEncryptedCard() throws Exception {
    card = Cards.make(tmp.resolve("card"));
    passwordFile = Openssl.passwordFile(tmp.resolve("apkovl.pass"), SECRET);
    plainApkovl = Files.move(card.resolve("rpi.apkovl.tar.gz"), tmp.resolve("rpi.apkovl.tar.gz"));
    encryptOntoCard(plainApkovl, "aes-256-cbc", Kdf.DEFAULT);
    repo = tmp.resolve("repo").toString();
    assertThat(cli("init", "--repo", repo).exitCode()).isZero();
  }

  @Test
  void theRightPasswordStoresAVerifiedVersionRecordingCipherAndKeyDerivation() throws Exception {
    Result r = backup("--password-file", passwordFile.toString());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.err()).doesNotContain("warning");
    Map<?, ?> apkovl = (Map<?, ?>) newestMetadata().get("apkovl");
    assertThat(apkovl.get("name")).isEqualTo(APKOVL);
    assertThat(apkovl.get("cipher")).isEqualTo("aes-256-cbc");
    assertThat(apkovl.get("keyDerivation")).isEqualTo("sha256");
    assertThat(apkovl.get("notVerified")).isNull();
    assertThat((Long) apkovl.get("entries")).isPositive();
    assertPasswordNowhere();
  }

  @Test
  void withoutAPasswordFileTheVersionIsStoredWithAWarningThatListAndTheMetricShow()
      throws Exception {
    Path textfiles = Files.createDirectory(tmp.resolve("textfiles"));

    Result r = backup("--textfile-dir", textfiles.toString());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.err()).contains("warning: encrypted apkovl not verified: no password file");
    Result list = cli("list", "--repo", repo);
    assertThat(list.out()).contains("encrypted apkovl not verified: no password file");
    Map<?, ?> row =
        (Map<?, ?>) ((List<?>) Json.parse(cli("list", "--repo", repo, "--json").out())).get(0);
    assertThat(row.get("apkovlNotVerified")).isEqualTo("no password file");
    assertThat(Files.readString(textfiles.resolve("lbuvault.prom")))
        .contains("lbuvault_encrypted_apkovl_unverified{host=\"rpi\"} 1.0");
  }

  @Test
  void aWrongPasswordStillStoresTheCardWithAWarning() throws Exception {
    Path wrong = Openssl.passwordFile(tmp.resolve("wrong.pass"), "not-it");
    Path textfiles = Files.createDirectory(tmp.resolve("textfiles"));

    Result r = backup("--password-file", wrong.toString(), "--textfile-dir", textfiles.toString());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).startsWith("stored version");
    assertThat(r.err()).contains("warning: encrypted apkovl not verified: wrong password");
    assertThat(((Map<?, ?>) newestMetadata().get("apkovl")).get("notVerified"))
        .isEqualTo("wrong password");
    assertThat(Files.readString(textfiles.resolve("lbuvault.prom")))
        .contains("lbuvault_encrypted_apkovl_unverified{host=\"rpi\"} 1.0");
    assertThat(r.toString()).doesNotContain("not-it");
  }

  @Test
  void theNextBackupWithTheRightPasswordVerifiesAnApkovlStoredUnverified() throws Exception {
    assertThat(backup().exitCode()).isZero();
    Files.writeString(card.resolve("config.txt"), "# changed\n", StandardCharsets.UTF_8);
    Path textfiles = Files.createDirectory(tmp.resolve("textfiles"));

    Result r =
        backup("--password-file", passwordFile.toString(), "--textfile-dir", textfiles.toString());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(((Map<?, ?>) newestMetadata().get("apkovl")).get("keyDerivation"))
        .isEqualTo("sha256");
    assertThat(Files.readString(textfiles.resolve("lbuvault.prom")))
        .contains("lbuvault_encrypted_apkovl_unverified{host=\"rpi\"} 0.0");
  }

  @Test
  void aPasswordFileReadableByTheGroupIsAUsageErrorAndNothingIsStored() throws Exception {
    Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-r-----"));

    Result r = backup("--password-file", passwordFile.toString());

    assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err())
        .contains("is accessible by group or others (mode 640): run chmod 600 " + passwordFile)
        .doesNotContain(SECRET);
    assertThat(Path.of(repo, "hosts", "rpi")).doesNotExist();
  }

  @Test
  void theRightPasswordOnATruncatedInnerArchiveIsRefusedAndNothingIsStored() throws Exception {
    byte[] bytes = Files.readAllBytes(plainApkovl);
    Path cut = Files.write(tmp.resolve("cut.tar.gz"), Arrays.copyOf(bytes, bytes.length - 100));
    encryptOntoCard(cut, "aes-256-cbc", Kdf.DEFAULT);

    Result r = backup("--password-file", passwordFile.toString());

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err()).contains(APKOVL + ": truncated").doesNotContain(SECRET);
    assertThat(cli("list", "--repo", repo).out()).doesNotContain("stored");
    try (Stream<Path> versions = Files.list(Path.of(repo, "hosts", "rpi", "versions"))) {
      assertThat(versions).isEmpty();
    }
  }

  @Test
  void aRoundTripThroughBackupVerifyShowDiffAndRecoverReadsTheEncryptedApkovl() throws Exception {
    String pw = passwordFile.toString();
    assertThat(backup("--password-file", pw).exitCode()).isZero();
    encryptOntoCard(withNewMotd(plainApkovl, "welcome to the lake\n"), "aes-256-cbc", Kdf.MD5);
    Result second = backup("--password-file", pw);
    assertThat(second.exitCode()).as(second.toString()).isZero();
    assertThat(((Map<?, ?>) newestMetadata().get("apkovl")).get("keyDerivation")).isEqualTo("md5");

    Result verify = cli("verify", "--repo", repo, "--password-file", pw);
    assertThat(verify.exitCode()).as(verify.toString()).isZero();
    assertThat(verify.out().lines().filter(l -> l.contains("entries): OK"))).hasSize(2);
    Result verifyJson = cli("verify", "--repo", repo, "--password-file", pw, "--json");
    assertThat(verifyJson.exitCode()).as(verifyJson.toString()).isZero();
    Map<?, ?> verified = (Map<?, ?>) Json.parse(verifyJson.out()); // stdout is the document alone
    assertThat((List<?>) verified.get("apkovls"))
        .hasSize(2)
        .allSatisfy(l -> assertThat((String) l).endsWith("entries): OK"));
    assertThat((List<?>) verified.get("problems")).isEmpty();

    Result show = cli("show", "--repo", repo, "--password-file", pw);
    assertThat(show.exitCode()).as(show.toString()).isZero();
    assertThat(show.out())
        .contains("encrypted (aes-256-cbc, key md5, ")
        .contains("decrypted (key md5");

    Result diff = cli("diff", "--repo", repo, "--password-file", pw);
    assertThat(diff.exitCode()).as(diff.toString()).isEqualTo(1);
    assertThat(diff.out()).contains("etc/motd").contains("+welcome to the lake");
    // Every --json command given the password prints its document alone on stdout.
    for (String command : List.of("show", "diff")) {
      Result r = cli(command, "--repo", repo, "--password-file", pw, "--json");
      assertThat(r.exitCode()).as(r.toString()).isIn(0, 1);
      assertThat(Json.parse(r.out())).as(r.toString()).isInstanceOf(Map.class);
    }
    Result blind = cli("diff", "--repo", repo);
    assertThat(blind.out())
        .contains(
            "members not compared (no password file: give the password with --password-file)");

    Path image = tmp.resolve("card.img");
    Result recover =
        cli(
            "recover",
            "--repo",
            repo,
            "--to",
            image.toString(),
            "--dry-run",
            "--password-file",
            pw);
    assertThat(recover.exitCode()).as(recover.toString()).isZero();
    assertThat(recover.toString()).doesNotContain("was not opened");
    Result recoverBlind = cli("recover", "--repo", repo, "--to", image.toString(), "--dry-run");
    assertThat(recoverBlind.exitCode()).as(recoverBlind.toString()).isZero();
    assertThat(recoverBlind.toString())
        .contains("is encrypted and was not opened (no password file: give --password-file)");
    assertPasswordNowhere();
  }

  @Test
  void verifyWithThePasswordFindsAnUnverifiedApkovlWhoseContentIsBroken() throws Exception {
    storeAnEncryptedApkovlCutShortUnverified();

    Result verify = cli("verify", "--repo", repo, "--password-file", passwordFile.toString());

    assertThat(verify.exitCode()).as(verify.toString()).isEqualTo(ExitCodes.DAMAGED);
    assertThat(verify.out()).contains("rpi.apkovl.tar.gz.aes-128-ctr DAMAGED: ");
  }

  @Test
  void verifyJsonWithThePasswordPrintsOnlyTheDocumentWithTheBrokenApkovlAsAProblem()
      throws Exception {
    storeAnEncryptedApkovlCutShortUnverified();

    Result verify =
        cli("verify", "--repo", repo, "--password-file", passwordFile.toString(), "--json");

    assertThat(verify.exitCode()).as(verify.toString()).isEqualTo(ExitCodes.DAMAGED);
    Map<?, ?> doc = (Map<?, ?>) Json.parse(verify.out()); // fails on any text around it
    assertThat((List<?>) doc.get("problems"))
        .singleElement()
        .asString()
        .contains("rpi.apkovl.tar.gz.aes-128-ctr DAMAGED: ");
    assertThat((List<?>) doc.get("apkovls")).isEqualTo(doc.get("problems"));
  }

  /**
   * Backs up, without the password, a card whose apkovl is encrypted from a gzip cut 64 bytes
   * short: stored unverified, its damage visible only once decrypted.
   */
  private void storeAnEncryptedApkovlCutShortUnverified() throws IOException {
    byte[] bytes = Files.readAllBytes(plainApkovl);
    encryptOntoCard(
        Files.write(tmp.resolve("cut.tar.gz"), Arrays.copyOf(bytes, bytes.length - 64)),
        "aes-128-ctr",
        Kdf.DEFAULT);
    Files.delete(card.resolve(APKOVL));
    assertThat(backup().exitCode()).isZero();
  }

  /** The plaintext apkovl with etc/motd replaced, re-packed as lbu packs (tar -c | gzip). */
  private Path withNewMotd(Path plain, String motd) throws IOException {
    Path root = Files.createDirectories(tmp.resolve("unpacked"));
    Commands.check(root, "tar", "-xzf", plain.toString());
    Files.writeString(root.resolve("etc/motd"), motd);
    Path out = tmp.resolve("changed.tar.gz");
    Commands.check(
        root,
        "sh",
        "-c",
        "tar -c --no-recursion $(find etc | sort) | gzip > \"$1\"",
        "sh",
        out.toString());
    return out;
  }

  private void encryptOntoCard(Path plain, String cipher, Kdf kdf) throws IOException {
    Path out = card.resolve("rpi.apkovl.tar.gz." + cipher);
    Files.deleteIfExists(out);
    Openssl.encrypt(plain, out, cipher, kdf, passwordFile);
  }

  private Result backup(String... extra) {
    List<String> args = new ArrayList<>(List.of("backup", "--repo", repo, "--source=" + card));
    args.addAll(List.of(extra));
    return cli(args.toArray(String[]::new));
  }

  private Result cli(String... args) {
    Result r = Cli.run(args);
    results.add(r);
    return r;
  }

  private Map<?, ?> newestMetadata() throws Exception {
    Path versions = Path.of(repo, "hosts", "rpi", "versions");
    try (Stream<Path> s = Files.list(versions)) {
      Path newest = s.sorted().reduce((a, b) -> b).orElseThrow();
      return (Map<?, ?>) Json.parse(Files.readString(newest.resolve("version.json")));
    }
  }

  /** grep -r for the password over the repository and everything the CLI printed. */
  private void assertPasswordNowhere() throws IOException {
    for (Result r : results) {
      assertThat(r.toString()).doesNotContain(SECRET);
    }
    try (Stream<Path> files = Files.walk(Path.of(repo))) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
        assertThat(text).as(f.toString()).doesNotContain(SECRET);
      }
    }
  }
}
