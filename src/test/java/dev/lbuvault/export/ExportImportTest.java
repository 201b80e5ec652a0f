package dev.lbuvault.export;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.cli.ExitCodes;
import dev.lbuvault.json.Json;
import dev.lbuvault.testing.BtrfsLoop;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Cli.Result;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Gpg;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * export and import judged by Debian's real gpg: gpg's own keys (RSA-3072 as gpg 2.2 makes by
 * default, ed25519/cv25519 as future-default makes, with and without a passphrase) encrypt and
 * decrypt, {@code gpg --decrypt | tar -x} and {@code sha256sum -c} restore a version without
 * lbuvault, and coreutils' {@code sha256sum -c} and {@code grep} judge the export directory.
 */
class ExportImportTest {
  private static final String HOST = "kestrelvault";

  @TempDir static Path keyring;
  private static Gpg gpg;
  @TempDir Path tmp;
  private Path card;
  private String repo;

  /** Key generation is slow (RSA-3072), so one keyring serves every test. */
  @BeforeAll
  static void gpgMakesAnRsaKeyAndAPassphraseProtectedEd25519Cv25519Key() throws Exception {
    gpg = Gpg.in(keyring.resolve("gnupg"));
    gpg.generate("Rsa <rsa@example.org>", "default", "");
    gpg.generate("Ec <ec@example.org>", "future-default", "correct horse");
  }

  @AfterAll
  static void stopTheAgent() throws Exception {
    gpg.close();
  }

  @BeforeEach
  void twoVersions() throws Exception {
    card = Cards.make(tmp.resolve("card"), "--host", HOST);
    repo = tmp.resolve("repo").toString();
    assertThat(Cli.run("init", "--repo", repo).exitCode()).isZero();
    backup(1);
    backup(2);
  }

  private void backup(int seed) throws Exception {
    Cards.apkovl(card.resolve(HOST + ".apkovl.tar.gz"), HOST, seed);
    Result r = Cli.run("backup", "--repo", repo, "--source", card.toString());
    assertThat(r.exitCode()).as(r.toString()).isZero();
  }

  private List<Path> versions(String repository) throws Exception {
    try (Stream<Path> s = Files.list(Path.of(repository, "hosts", HOST, "versions"))) {
      return s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
    }
  }

  private static List<Path> exported(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".pgp")).sorted().toList();
    }
  }

  private Path passwordFile(String password) throws Exception {
    Path f = tmp.resolve("pw-" + password.length());
    Files.writeString(f, password + "\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    return f;
  }

  /** The RSA key's public half as gpg exports it, ASCII-armoured or binary. */
  private Path rsaPublic(boolean armor) throws Exception {
    return gpg.exportPublic("rsa@example.org", tmp.resolve(armor ? "rsa.asc" : "rsa.pub"), armor);
  }

  /** The RSA key's secret half (no passphrase), ASCII-armoured or binary. */
  private Path rsaSecret(boolean armor) throws Exception {
    return gpg.exportSecret("rsa@example.org", "", tmp.resolve("rsa.sec"), armor);
  }

  /** {@code lbuvault import --from FROM --repo REPO --secret-key SECRET} and {@code more}. */
  private static Result importInto(String repo, Path from, Path secret, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "import",
                "--from",
                from.toString(),
                "--repo",
                repo,
                "--secret-key",
                secret.toString()));
    args.addAll(List.of(more));
    return Cli.run(args.toArray(String[]::new));
  }

  private Result export(Path to, Path recipient, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "export",
                "--repo",
                repo,
                "--to",
                to.toString(),
                "--recipient",
                recipient.toString()));
    args.addAll(List.of(more));
    return Cli.run(args.toArray(String[]::new));
  }

  @Test
  void gpgDecryptsAnRsaExportAndSha256sumChecksEveryRestoredVersion() throws Exception {
    Path pub = rsaPublic(false);
    Path to = tmp.resolve("export");

    Result r = export(to, pub);

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("exported 2 version(s)");
    List<Path> files = exported(to);
    assertThat(files).hasSize(2);
    // coreutils alone checks the copies against the index
    assertThat(Commands.check(to, "sha256sum", "-c", "SHA256SUMS"))
        .contains(": OK")
        .doesNotContain("FAILED");
    List<String> restoredSums = new ArrayList<>();
    for (Path f : files) {
      Path out = tmp.resolve("restored-" + f.getFileName());
      gpg.decryptAndUntar(f, "", out);
      assertThat(Commands.check(out, "sha256sum", "-c", "--strict", "SHA256SUMS"))
          .doesNotContain("FAILED");
      assertThat(out.resolve("version.json")).isRegularFile();
      assertThat(out.resolve("card/" + HOST + ".apkovl.tar.gz")).isRegularFile();
      restoredSums.add(Files.readString(out.resolve("SHA256SUMS")));
    }
    List<String> storedSums = new ArrayList<>();
    for (Path v : versions(repo)) {
      storedSums.add(Files.readString(v.resolve("SHA256SUMS")));
    }
    assertThat(restoredSums).containsExactlyInAnyOrderElementsOf(storedSums);
  }

  @Test
  void aPassphraseProtectedCv25519KeyFromGpgImportsSignedExportsIntoANewRepository()
      throws Exception {
    Path pub = gpg.exportPublic("ec@example.org", tmp.resolve("ec.asc"), true);
    Path sec = gpg.exportSecret("ec@example.org", "correct horse", tmp.resolve("ec.sec"), true);
    Path pw = passwordFile("correct horse");
    Path to = tmp.resolve("export");
    assertThat(
            export(to, pub, "--sign-key", sec.toString(), "--password-file", pw.toString())
                .exitCode())
        .isZero();
    String gpgSays = gpg.decryptAndUntar(exported(to).get(0), "correct horse", tmp.resolve("r"));
    assertThat(gpgSays).contains("Good signature from \"Ec <ec@example.org>\"");

    String restored = tmp.resolve("restored").toString();
    Result imported =
        importInto(restored, to, sec, "--password-file", pw.toString(), "--signer", pub.toString());

    assertThat(imported.exitCode()).as(imported.toString()).isZero();
    assertThat(imported.out()).contains("imported 2 version(s)");
    List<Path> original = versions(repo);
    List<Path> copies = versions(restored);
    assertThat(copies.stream().map(Path::getFileName).toList())
        .isEqualTo(original.stream().map(Path::getFileName).toList());
    for (int i = 0; i < copies.size(); i++) {
      assertThat(
              Files.mismatch(
                  copies.get(i).resolve("SHA256SUMS"), original.get(i).resolve("SHA256SUMS")))
          .isEqualTo(-1L);
      assertThat(Commands.check(copies.get(i), "sha256sum", "-c", "--strict", "SHA256SUMS"))
          .doesNotContain("FAILED");
    }
    Result verify = Cli.run("verify", "--repo", restored);
    assertThat(verify.exitCode()).as(verify.toString()).isZero();
    Result again = importInto(restored, to, sec, "--password-file", pw.toString());
    assertThat(again.out()).contains("imported 0 version(s)", "2 already there");
    Result noPassphrase = importInto(restored, to, sec);
    assertThat(noPassphrase.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(noPassphrase.err())
        .contains("passphrase-protected", sec.toString())
        .doesNotContain("correct horse");
  }

  @Test
  void aSecondExportWritesOnlyTheNewVersion() throws Exception {
    Path pub = rsaPublic(true);
    Path to = tmp.resolve("export");
    assertThat(export(to, pub).exitCode()).isZero();
    List<Path> first = exported(to);
    long firstModified = Files.getLastModifiedTime(first.get(0)).toMillis();
    backup(3);

    Result r = export(to, pub);

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("exported 1 version(s)", "2 already there");
    assertThat(exported(to)).hasSize(3).containsAll(first);
    assertThat(Files.getLastModifiedTime(first.get(0)).toMillis()).isEqualTo(firstModified);
    assertThat(Files.readAllLines(to.resolve("SHA256SUMS"))).hasSize(3);
  }

  @Test
  void theExportDirectoryHoldsNoHostNameVersionIdFileNameOrContentInClear() throws Exception {
    Path pub = rsaPublic(false);
    Path to = tmp.resolve("export");
    assertThat(export(to, pub).exitCode()).isZero();
    Path v = versions(repo).get(0);
    List<String> secrets = new ArrayList<>(List.of(HOST, "apkovl", "config.txt", "version.json"));
    for (Path version : versions(repo)) {
      secrets.add(version.getFileName().toString());
    }
    String config = Files.readAllLines(v.resolve("card/config.txt")).get(0);
    assertThat(config).hasSizeGreaterThan(8);
    secrets.add(config);
    secrets.add(Files.readString(v.resolve("SHA256SUMS")).substring(0, 64)); // a plaintext checksum

    for (String s : secrets) {
      Commands.Output grep =
          Commands.run(null, List.of("grep", "-r", "-l", "-a", "-F", s, to.toString()));
      assertThat(grep.exitCode())
          .as("grep -r " + s + " found it in: " + grep.stdout())
          .isEqualTo(1);
    }
    try (Stream<Path> names = Files.list(to)) {
      assertThat(names.map(p -> p.getFileName().toString()))
          .allMatch(n -> n.matches("[0-9a-f]{32}\\.pgp|SHA256SUMS|lock"));
    }
  }

  @Test
  void aFlippedByteATruncatedFileAndASwappedPairAreEachNamedByVerifyAndRefusedByImport()
      throws Exception {
    Path pub = rsaPublic(false);
    Path sec = rsaSecret(false);
    backup(3);
    backup(4);
    Path to = tmp.resolve("export");
    assertThat(export(to, pub).exitCode()).isZero();
    List<Path> files = exported(to);
    assertThat(files).hasSize(4);
    Path flipped = files.get(0);
    Path truncated = files.get(1);
    Path swappedA = files.get(2);
    Path swappedB = files.get(3);
    try (RandomAccessFile f = new RandomAccessFile(flipped.toFile(), "rw")) {
      f.seek(f.length() / 2);
      int b = f.read();
      f.seek(f.length() / 2);
      f.write(b ^ 0x01);
    }
    try (RandomAccessFile f = new RandomAccessFile(truncated.toFile(), "rw")) {
      f.setLength(f.length() - 1000);
    }
    Path spare = tmp.resolve("spare");
    Files.move(swappedA, spare);
    Files.move(swappedB, swappedA);
    Files.move(spare, swappedB);

    Result verify = Cli.run("verify", "--export", to.toString());

    assertThat(verify.exitCode()).as(verify.toString()).isEqualTo(ExitCodes.DAMAGED);
    for (Path f : files) {
      assertThat(verify.out()).contains(f + ": ciphertext SHA-256 is");
    }
    assertThat(verify.out()).contains("4 problem(s)");
    Result verifyJson = Cli.run("verify", "--export", to.toString(), "--json");
    assertThat(verifyJson.exitCode()).as(verifyJson.toString()).isEqualTo(ExitCodes.DAMAGED);
    Map<?, ?> doc = (Map<?, ?>) Json.parse(verifyJson.out()); // the document alone on stdout
    assertThat(doc.get("files")).isEqualTo(4L);
    assertThat((List<?>) doc.get("problems"))
        .hasSize(4)
        .allSatisfy(p -> assertThat((String) p).contains(": ciphertext SHA-256 is"));
    assertThat(Commands.run(to, List.of("sha256sum", "-c", "SHA256SUMS")).exitCode())
        .as("coreutils agrees")
        .isNotZero();

    String restored = tmp.resolve("restored").toString();
    Result imported = importInto(restored, to, sec);
    assertThat(imported.exitCode()).as(imported.toString()).isEqualTo(ExitCodes.DAMAGED);
    for (Path f : files) {
      assertThat(imported.err()).contains("damaged: " + f + ":");
    }
    assertThat(imported.out()).contains("imported 0 version(s)");
    // nothing half-imported: no version, no staging tree, no partial
    try (Stream<Path> s = Files.walk(Path.of(restored), 4)) {
      assertThat(s.map(p -> p.getFileName().toString()))
          .noneMatch(
              n -> n.startsWith(".import-") || n.startsWith(".partial-") || n.matches("\\d{8}T.*"));
    }
  }

  @Test
  void aVersionRestoredWithGpgAndTarIsTheOneImportBringsBack() throws Exception {
    Path pub = rsaPublic(false);
    Path sec = rsaSecret(true);
    Path to = tmp.resolve("export");
    assertThat(export(to, pub, "--host", HOST).exitCode()).isZero();
    String restored = tmp.resolve("restored").toString();
    Result imported = importInto(restored, to, sec);
    assertThat(imported.exitCode()).as(imported.toString()).isZero();
    Path viaTar = tmp.resolve("via-tar");
    for (Path f : exported(to)) {
      gpg.decryptAndUntar(f, "", viaTar.resolve(f.getFileName().toString()));
    }
    // GNU tar and lbuvault extract the same files with the same bytes and mtimes
    for (Path v : versions(restored)) {
      String sums = Files.readString(v.resolve("SHA256SUMS"));
      Path match;
      try (Stream<Path> s = Files.list(viaTar)) {
        match =
            s.filter(d -> readQuietly(d.resolve("SHA256SUMS")).equals(sums))
                .findFirst()
                .orElseThrow();
      }
      String stat = "find . -type f -printf '%P %s %T@\\n' | sort";
      assertThat(Commands.check(v, "sh", "-c", stat))
          .isEqualTo(Commands.check(match, "sh", "-c", stat));
    }
  }

  @Test
  void importIntoABtrfsRepositoryPublishesReadOnlySnapshotsAndLeavesNoStaging() throws Exception {
    Path pub = rsaPublic(false);
    Path sec = rsaSecret(false);
    Path to = tmp.resolve("export");
    assertThat(export(to, pub).exitCode()).isZero();
    try (BtrfsLoop fs = BtrfsLoop.create(tmp, 256)) {
      String restored = fs.mountPoint().resolve("repo").toString();
      assertThat(Cli.run("init", "--repo", restored).out()).contains("btrfs");

      Result imported = importInto(restored, to, sec);

      assertThat(imported.exitCode()).as(imported.toString()).isZero();
      assertThat(imported.out()).contains("imported 2 version(s)");
      for (Path v : versions(restored)) {
        assertThat(Commands.check(null, "btrfs", "property", "get", "-ts", v.toString(), "ro"))
            .contains("ro=true");
      }
      String subvolumes = Commands.check(null, "btrfs", "subvolume", "list", "-o", restored);
      assertThat(subvolumes).doesNotContain(".import-", ".partial-");
      assertThat(Cli.run("verify", "--repo", restored).exitCode()).isZero();
    }
  }

  private static String readQuietly(Path p) {
    try {
      return Files.readString(p);
    } catch (java.io.IOException e) {
      return "";
    }
  }
}
