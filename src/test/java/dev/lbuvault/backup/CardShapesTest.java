package dev.lbuvault.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbuvault.archive.ApkovlValidator;
import dev.lbuvault.cli.ExitCodes;
import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.repo.VersionMetadata;
import dev.lbuvault.source.CardScanner;
import dev.lbuvault.source.SourceBusyException;
import dev.lbuvault.source.SourceException;
import dev.lbuvault.testing.BtrfsLoop;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.verify.ProblemKind;
import dev.lbuvault.verify.Verifier;
import dev.lbuvault.verify.VerifyReport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Cards of every shape the user can present: entries that change kind between backups, names that
 * are not valid UTF-8 or look like lbuvault's own temporaries, empty directories, stray boot
 * candidates and {@code *.new} files, a symlinked source, a repository inside the source. Each
 * backup is judged by {@code diff -r} against the card and by {@code verify}, on both backends.
 */
class CardShapesTest {
  @TempDir static Path shared;
  static BtrfsLoop btrfs;
  @TempDir Path tmp;

  @AfterAll
  static void unmount() throws Exception {
    if (btrfs != null) {
      btrfs.close();
    }
  }

  private Repository repo(String backend) throws Exception {
    Path root;
    if (backend.equals("btrfs")) {
      if (btrfs == null) {
        btrfs = BtrfsLoop.create(shared, 512);
      }
      root = Files.createTempDirectory(btrfs.mountPoint(), "repo-");
      Files.delete(root);
    } else {
      root = tmp.resolve("repo");
    }
    return Repository.init(root, backend, Clock.systemUTC(), ProcessRunner.system());
  }

  private static BackupResult backup(Repository repo, Path card, boolean rehash) throws Exception {
    return new BackupService(
            repo,
            Clock.systemUTC(),
            new CardScanner(),
            new ApkovlValidator(),
            CardVolumeSource.none())
        .run(new BackupRequest(card, Optional.empty(), rehash, Duration.ZERO));
  }

  /** The newest version holds exactly the card (files, bytes, directories) and verifies clean. */
  private static void assertLatestIsTheCard(Repository repo, Path card) throws Exception {
    StoredVersion v = repo.version("rpi", "latest");
    assertThat(Commands.check(null, "diff", "-r", card.toString(), v.card().toString())).isEmpty();
    VerifyReport report = new Verifier(1).verify(List.of(v));
    assertThat(report.problems()).isEmpty();
    assertThat(report.clean()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"plain", "btrfs"})
  void aFileThatBecomesADirectoryAndBackIsStoredEachTimeRehashIncluded(String backend)
      throws Exception {
    Repository repo = repo(backend);
    Path card = Cards.make(tmp.resolve("card"));
    Files.writeString(card.resolve("foo"), "a file\n");
    Files.createDirectories(card.resolve("dir/sub"));
    Files.writeString(card.resolve("dir/sub/x"), "deep\n");
    backup(repo, card, false);

    for (boolean rehash : new boolean[] {false, true}) {
      // file -> directory (with a file in it), directory tree -> file
      Files.delete(card.resolve("foo"));
      Files.createDirectories(card.resolve("foo"));
      Files.writeString(card.resolve("foo/bar"), "x\n");
      Files.delete(card.resolve("dir/sub/x"));
      Files.delete(card.resolve("dir/sub"));
      Files.delete(card.resolve("dir"));
      Files.writeString(card.resolve("dir"), "now a file\n");
      assertThat(backup(repo, card, rehash).outcome()).isEqualTo(BackupOutcome.STORED);
      assertLatestIsTheCard(repo, card);

      // and back again
      Files.delete(card.resolve("foo/bar"));
      Files.delete(card.resolve("foo"));
      Files.writeString(card.resolve("foo"), "a file again\n");
      Files.delete(card.resolve("dir"));
      Files.createDirectories(card.resolve("dir/sub"));
      Files.writeString(card.resolve("dir/sub/x"), "deep again\n");
      assertThat(backup(repo, card, rehash).outcome()).isEqualTo(BackupOutcome.STORED);
      assertLatestIsTheCard(repo, card);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"plain", "btrfs"})
  void emptyDirectoriesAreStoredRecordedAndTheirComingAndGoingIsAChange(String backend)
      throws Exception {
    Repository repo = repo(backend);
    Path card = Cards.make(tmp.resolve("card"));
    Files.createDirectories(card.resolve("spool"));
    Files.createDirectories(card.resolve("x1/y2/z3"));
    backup(repo, card, false);
    StoredVersion v = repo.version("rpi", "latest");
    assertThat(v.card().resolve("spool")).isEmptyDirectory();
    assertThat(v.card().resolve("x1/y2/z3")).isEmptyDirectory();
    assertThat(VersionMetadata.read(v.metadata()).directories())
        .contains("spool", "x1", "x1/y2", "x1/y2/z3")
        .containsSubsequence("x1", "x1/y2", "x1/y2/z3");
    assertLatestIsTheCard(repo, card);

    Files.createDirectories(card.resolve("new-empty"));
    assertThat(backup(repo, card, false).outcome()).isEqualTo(BackupOutcome.STORED);
    assertLatestIsTheCard(repo, card);
    Files.delete(card.resolve("x1/y2/z3"));
    assertThat(backup(repo, card, false).outcome()).isEqualTo(BackupOutcome.STORED);
    assertLatestIsTheCard(repo, card);
    assertThat(backup(repo, card, false).outcome()).isEqualTo(BackupOutcome.UNCHANGED);
  }

  @ParameterizedTest
  @ValueSource(strings = {"plain", "btrfs"})
  void cardFilesNamedLikeInternalTemporariesAreStoredAndVerify(String backend) throws Exception {
    Repository repo = repo(backend);
    Path card = Cards.make(tmp.resolve("card"));
    for (String name :
        List.of(".lbuvault-tmp-1234", ".lbuvault-staging", ".SHA256SUMS.tmp-1", "x.tmp-9")) {
      Files.writeString(card.resolve(name), name + "\n");
      Files.createDirectories(card.resolve("sub"));
      Files.writeString(card.resolve("sub").resolve(name), "in sub\n");
    }
    backup(repo, card, false);
    assertLatestIsTheCard(repo, card);
    Files.writeString(card.resolve(".lbuvault-tmp-1234"), "changed\n");
    assertThat(backup(repo, card, false).outcome()).isEqualTo(BackupOutcome.STORED);
    assertLatestIsTheCard(repo, card);
  }

  @Test
  void namesThatAreNotUtf8AreNamedInAWarningAndTheRestOfTheCardIsStored() throws Exception {
    Repository repo = repo("plain");
    Path card = Cards.make(tmp.resolve("card"));
    // The bytes a card mounted with iocharset=iso8859-1 shows for "café": a file and a directory.
    Path file = card.resolve(latin1("caf\u00e9.txt"));
    Files.writeString(file, "latin-1 name\n");
    Path dir = card.resolve(latin1("r\u00e9p"));
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("inside.txt"), "hidden by its directory's name\n");
    Files.writeString(card.resolve("caf\u00e9-utf8.txt"), "a valid UTF-8 name\n");

    BackupResult r = backup(repo, card, false);

    assertThat(r.outcome()).isEqualTo(BackupOutcome.STORED);
    assertThat(r.warnings())
        .anySatisfy(w -> assertThat(w).contains("not captured: caf\\xE9.txt").contains("UTF-8"))
        .anySatisfy(w -> assertThat(w).contains("not captured: r\\xE9p"));
    StoredVersion v = repo.version("rpi", "latest");
    assertThat(VersionMetadata.read(v.metadata()).warnings()).isEqualTo(r.warnings());
    assertThat(v.card().resolve("caf\u00e9-utf8.txt")).hasContent("a valid UTF-8 name");
    assertThat(v.card().resolve("config.txt")).exists();
    assertThat(new Verifier(1).verify(List.of(v)).clean()).isTrue();
  }

  /** A path whose name is the ISO-8859-1 bytes of {@code name} (not valid UTF-8). */
  private static Path latin1(String name) {
    byte[] bytes = name.getBytes(StandardCharsets.ISO_8859_1);
    // The file URI takes the raw bytes percent-encoded; the default file system keeps them.
    StringBuilder uri = new StringBuilder("file:///");
    for (byte b : bytes) {
      uri.append(String.format("%%%02X", b & 0xff));
    }
    return Path.of(java.net.URI.create(uri.toString())).getFileName();
  }

  @Test
  void aStrayBootCandidateIsWarnedAboutAndNeverFailsTheBackup() throws Exception {
    Repository repo = repo("plain");
    Path card = Cards.make(tmp.resolve("card"));
    for (String stray :
        List.of(
            "rpi.apkovl.tar.gz.bak",
            "rpi.apkovl.tar.gz~",
            "rpi.apkovl.tar.gz.old.1",
            ".apkovl.tar.gz",
            "rpi.apkovl.tar.gz.new.bak")) {
      Files.writeString(card.resolve(stray), "not an archive\n");
      BackupResult r = backup(repo, card, false);
      assertThat(r.warnings())
          .as(stray)
          .anySatisfy(w -> assertThat(w).contains("apkovls on the card").contains(stray));
      Files.delete(card.resolve(stray));
    }
  }

  @Test
  void onlyTheApkovlsOwnNewFileIsBusyOtherNewFilesAreStoredWithAWarning() throws Exception {
    Repository repo = repo("plain");
    Path card = Cards.make(tmp.resolve("card"));
    Files.writeString(card.resolve("notes.new"), "n\n");
    Files.createDirectories(card.resolve("cache"));
    Files.writeString(card.resolve("cache/index.new"), "i\n");
    BackupResult r = backup(repo, card, false);
    assertThat(r.warnings())
        .anySatisfy(w -> assertThat(w).contains("stored notes.new"))
        .anySatisfy(w -> assertThat(w).contains("stored cache/index.new"));
    assertLatestIsTheCard(repo, card);

    Files.writeString(card.resolve("rpi.apkovl.tar.gz.new"), "half");
    assertThatThrownBy(() -> backup(repo, card, false))
        .isInstanceOf(SourceBusyException.class)
        .hasMessageContaining("rpi.apkovl.tar.gz.new");
  }

  @Test
  void aSourceGivenAsASymlinkIsFollowedToTheCard() throws Exception {
    Repository repo = repo("plain");
    Path card = Cards.make(tmp.resolve("card"));
    Path link = Files.createSymbolicLink(tmp.resolve("card-link"), card);
    BackupResult r = backup(repo, link, false);
    assertThat(r.outcome()).isEqualTo(BackupOutcome.STORED);
    StoredVersion v = repo.version("rpi", "latest");
    assertThat(VersionMetadata.read(v.metadata()).source()).isEqualTo(card.toRealPath().toString());
    assertLatestIsTheCard(repo, card);
  }

  @Test
  void aRepositoryInsideTheSourceIsRefusedUpFrontNamingBoth() throws Exception {
    Path card = Cards.make(tmp.resolve("card"));
    Repository repo =
        Repository.init(card.resolve("repo"), "plain", Clock.systemUTC(), ProcessRunner.system());
    assertThatThrownBy(() -> backup(repo, card, false))
        .isInstanceOf(SourceException.class)
        .hasMessageContaining(card.toRealPath().resolve("repo").toString())
        .hasMessageContaining("inside the source " + card.toRealPath())
        .hasMessageNotContaining("\n");
    assertThat(card.resolve("repo/hosts/rpi")).doesNotExist();
    // The same through a symlink to the card, and through the CLI: exit 1, one line.
    Path link = Files.createSymbolicLink(tmp.resolve("card-link"), card);
    Cli.Result cli =
        Cli.run("backup", "--repo", card.resolve("repo").toString(), "--source", link.toString());
    assertThat(cli.exitCode()).as(cli.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(cli.err().strip()).contains("inside the source").doesNotContain("\n");
  }

  @Test
  void anInvalidHostNameFromTheCardFileSaysWhereItCameFromAndToUseHost() throws Exception {
    for (String name : List.of("a b.apkovl.tar.gz", "-rf.apkovl.tar.gz", "x@y.apkovl.tar.gz")) {
      Path card = Cards.make(tmp.resolve("card-" + name.hashCode()));
      Files.move(card.resolve("rpi.apkovl.tar.gz"), card.resolve(name));
      String repo = tmp.resolve("repo-" + name.hashCode()).toString();
      assertThat(Cli.run("init", "--repo", repo).exitCode()).isZero();
      Cli.Result r = Cli.run("backup", "--repo", repo, "--source", card.toString());
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.FAILURE);
      assertThat(r.err().strip())
          .as(name)
          .contains("taken from the card file " + name)
          .contains("--host")
          .doesNotContain("\n");
    }
  }

  @Test
  void verifyReportsARecordedDirectoryThatIsGoneFromAVersion() throws Exception {
    Repository repo = repo("plain");
    Path card = Cards.make(tmp.resolve("card"));
    Files.createDirectories(card.resolve("spool"));
    backup(repo, card, false);
    StoredVersion v = repo.version("rpi", "latest");
    Files.delete(v.card().resolve("spool"));
    VerifyReport report = new Verifier(1).verify(List.of(v));
    assertThat(report.clean()).isFalse();
    assertThat(report.problems())
        .anySatisfy(
            p -> {
              assertThat(p.path()).isEqualTo("card/spool");
              assertThat(p.kind()).isEqualTo(ProblemKind.MISSING);
            });
  }
}
