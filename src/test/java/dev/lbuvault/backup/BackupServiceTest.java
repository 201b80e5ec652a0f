package dev.lbuvault.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbuvault.archive.ApkovlValidator;
import dev.lbuvault.archive.InvalidApkovlException;
import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.repo.CardVolumeRecord;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.repo.VersionMetadata;
import dev.lbuvault.source.CardScanner;
import dev.lbuvault.source.SourceBusyException;
import dev.lbuvault.source.SourceException;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupServiceTest {
  @TempDir Path tmp;
  Path card;
  Repository repo;

  @BeforeEach
  void setUp() throws Exception {
    card = Cards.make(tmp.resolve("card"));
    repo = Repository.init(tmp.resolve("repo"), "plain", Clock.systemUTC(), ProcessRunner.system());
  }

  private BackupService service(Clock clock) {
    return new BackupService(
        repo,
        clock,
        new CardScanner(),
        new ApkovlValidator(),
        dir -> Optional.of(new CardVolumeRecord("/dev/test", "1A2B-3C4D", "PIBOOT")));
  }

  private BackupResult backup() throws Exception {
    return backup(false);
  }

  private BackupResult backup(boolean rehash) throws Exception {
    return service(Clock.systemUTC())
        .run(new BackupRequest(card, Optional.empty(), rehash, Duration.ZERO));
  }

  @Test
  void theFirstBackupStoresTheWholeCardByteForByteWithItsMtimes() throws Exception {
    BackupResult r = backup();
    assertThat(r.outcome()).isEqualTo(BackupOutcome.STORED);
    assertThat(r.host()).isEqualTo("rpi");
    StoredVersion v = repo.version("rpi", "latest");
    assertThat(Commands.check(null, "diff", "-r", card.toString(), v.card().toString())).isEmpty();
    try (Stream<Path> files = Files.walk(card)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Path copy = v.card().resolve(card.relativize(f).toString());
        assertThat(Files.getLastModifiedTime(copy))
            .as(f.toString())
            .isEqualTo(Files.getLastModifiedTime(f));
      }
    }
    VersionMetadata m = VersionMetadata.read(v.metadata());
    assertThat(m.host()).isEqualTo("rpi");
    assertThat(m.apkovl().name()).isEqualTo("rpi.apkovl.tar.gz");
    assertThat(m.apkovl().entries()).isPositive();
    assertThat(m.card().volumeId()).isEqualTo("1A2B-3C4D");
    assertThat(m.fileCount()).isEqualTo(r.files());
  }

  @Test
  void sha256sumAcceptsTheVersionsChecksumList() throws Exception {
    Tools.require("sha256sum");
    backup();
    StoredVersion v = repo.version("rpi", "latest");
    Commands.Output o = Commands.run(v.dir(), List.of("sha256sum", "--strict", "-c", "SHA256SUMS"));
    assertThat(o.exitCode()).as(o.stdout() + o.stderr()).isZero();
    assertThat(o.stdout().lines().count())
        .isEqualTo(VersionMetadata.read(v.metadata()).fileCount());
  }

  @Test
  void anUnchangedCardMakesNoVersionAndReadsNothing() throws Exception {
    backup();
    BackupResult again = backup();
    assertThat(again.outcome()).isEqualTo(BackupOutcome.UNCHANGED);
    assertThat(again.bytesCopied()).isZero();
    assertThat(repo.versions("rpi")).hasSize(1);
  }

  @Test
  void rehashReadsEverythingButStillFindsNothingChanged() throws Exception {
    BackupResult first = backup();
    BackupResult again = backup(true);
    assertThat(again.outcome()).isEqualTo(BackupOutcome.UNCHANGED);
    assertThat(again.bytesCopied()).isEqualTo(first.totalBytes());
  }

  @Test
  void aChangedApkovlMakesANewVersionThatSharesEveryOtherFile() throws Exception {
    backup();
    Cards.apkovl(card.resolve("rpi.apkovl.tar.gz"), "rpi", 7);
    BackupResult r = backup();
    assertThat(r.outcome()).isEqualTo(BackupOutcome.STORED);
    assertThat(r.bytesCopied()).isEqualTo(Files.size(card.resolve("rpi.apkovl.tar.gz")));
    List<StoredVersion> versions = repo.versions("rpi");
    assertThat(versions).hasSize(2);
    Object oldInode = Files.getAttribute(versions.get(0).card().resolve("config.txt"), "unix:ino");
    Object newInode = Files.getAttribute(versions.get(1).card().resolve("config.txt"), "unix:ino");
    assertThat(newInode).isEqualTo(oldInode);
    assertThat(Files.getAttribute(versions.get(1).card().resolve("rpi.apkovl.tar.gz"), "unix:ino"))
        .isNotEqualTo(
            Files.getAttribute(versions.get(0).card().resolve("rpi.apkovl.tar.gz"), "unix:ino"));
    assertThat(Files.readAllBytes(versions.get(0).card().resolve("rpi.apkovl.tar.gz")))
        .isNotEqualTo(Files.readAllBytes(versions.get(1).card().resolve("rpi.apkovl.tar.gz")));
  }

  @Test
  void aFileDeletedFromTheCardIsAbsentFromTheNextVersionButKeptInTheOldOne() throws Exception {
    backup();
    Files.delete(card.resolve("usercfg.txt"));
    backup();
    List<StoredVersion> versions = repo.versions("rpi");
    assertThat(versions.get(0).card().resolve("usercfg.txt")).exists();
    assertThat(versions.get(1).card().resolve("usercfg.txt")).doesNotExist();
  }

  @Test
  void anMtimeOnlyChangeIsANewVersionBecauseVersionsKeepMtimes() throws Exception {
    backup();
    Files.setLastModifiedTime(
        card.resolve("config.txt"), FileTime.from(Instant.parse("2030-01-01T00:00:00Z")));
    assertThat(backup().outcome()).isEqualTo(BackupOutcome.STORED);
    assertThat(
            Files.getLastModifiedTime(repo.version("rpi", "latest").card().resolve("config.txt")))
        .isEqualTo(FileTime.from(Instant.parse("2030-01-01T00:00:00Z")));
  }

  @Test
  void anApkovlBeingWrittenMakesTheCardBusyAndStoresNothing() throws Exception {
    Files.writeString(card.resolve("rpi.apkovl.tar.gz.new"), "partial");
    assertThatThrownBy(this::backup)
        .isInstanceOf(SourceBusyException.class)
        .hasMessageStartingWith("card busy: lbu commit in progress, retry later")
        .hasMessageContaining("rpi.apkovl.tar.gz.new");
    assertThat(repo.versions("rpi")).isEmpty();
  }

  @Test
  void aTruncatedApkovlIsRefusedAndNothingIsStored() throws Exception {
    backup();
    Path apkovl = card.resolve("rpi.apkovl.tar.gz");
    byte[] bytes = Files.readAllBytes(apkovl);
    Files.write(apkovl, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    assertThatThrownBy(this::backup)
        .isInstanceOf(InvalidApkovlException.class)
        .hasMessageContaining("rpi.apkovl.tar.gz");
    assertThat(repo.versions("rpi")).hasSize(1);
  }

  @Test
  void aSecondApkovlIsStoredWithAWarningRecordedInTheVersion() throws Exception {
    Cards.apkovl(card.resolve("other.apkovl.tar.gz"), "other", 3);
    BackupResult r =
        service(Clock.systemUTC())
            .run(new BackupRequest(card, Optional.of("rpi"), false, Duration.ZERO));
    assertThat(r.warnings()).anyMatch(w -> w.contains("2 apkovls on the card"));
    VersionMetadata m = VersionMetadata.read(repo.version("rpi", "latest").metadata());
    assertThat(m.apkovls()).containsExactly("other.apkovl.tar.gz", "rpi.apkovl.tar.gz");
    assertThat(m.warnings()).anyMatch(w -> w.contains("2 apkovls"));
  }

  @Test
  void apkovlsOfTwoHostsWithoutHostIsAnErrorThatSaysWhatToDo() throws Exception {
    Cards.apkovl(card.resolve("other.apkovl.tar.gz"), "other", 3);
    assertThatThrownBy(this::backup)
        .isInstanceOf(SourceException.class)
        .hasMessageContaining("other, rpi")
        .hasMessageContaining("--host");
  }

  @Test
  void aCardWithoutApkovlNeedsAnExplicitHost() throws Exception {
    Files.delete(card.resolve("rpi.apkovl.tar.gz"));
    assertThatThrownBy(this::backup).hasMessageContaining("no *.apkovl.tar.gz at the root of");
  }

  @Test
  void nothingInTheRepositoryIsReadableByGroupOrOthers() throws Exception {
    backup();
    Cards.apkovl(card.resolve("rpi.apkovl.tar.gz"), "rpi", 9);
    backup();
    Set<PosixFilePermission> forbidden =
        Set.of(
            PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_EXECUTE);
    try (Stream<Path> all = Files.walk(repo.root())) {
      for (Path p : all.toList()) {
        assertThat(Files.getPosixFilePermissions(p))
            .as(p.toString())
            .doesNotContainAnyElementsOf(forbidden);
      }
    }
  }

  @Test
  void versionsAreReadOnly() throws Exception {
    backup();
    StoredVersion v = repo.version("rpi", "latest");
    assertThat(Files.getPosixFilePermissions(v.dir()))
        .doesNotContain(PosixFilePermission.OWNER_WRITE);
    assertThat(Files.getPosixFilePermissions(v.card().resolve("config.txt")))
        .containsExactly(PosixFilePermission.OWNER_READ);
  }

  @Test
  void twoVersionsInTheSameSecondGetDistinctIdsInOrder() throws Exception {
    Clock frozen = Clock.fixed(Instant.parse("2026-11-25T03:00:00Z"), ZoneOffset.UTC);
    BackupRequest req = new BackupRequest(card, Optional.empty(), false, Duration.ZERO);
    service(frozen).run(req);
    Cards.apkovl(card.resolve("rpi.apkovl.tar.gz"), "rpi", 5);
    service(frozen).run(req);
    assertThat(repo.versions("rpi"))
        .extracting(v -> v.id().value())
        .containsExactly("20261125T030000Z", "20261125T030000Z_2");
  }

  @Test
  void leftoversOfAnInterruptedRunAreCleanedAndNeverListed() throws Exception {
    backup();
    Path partial = repo.host("rpi").versions().resolve(".partial-20200101T000000Z");
    Files.createDirectories(partial.resolve("card"));
    Files.writeString(repo.host("rpi").currentCard().resolve(".lbuvault-tmp-123"), "junk");
    Files.writeString(repo.host("rpi").current().resolve(".version.json.tmp-456"), "junk");
    assertThat(repo.versions("rpi")).hasSize(1);
    Cards.apkovl(card.resolve("rpi.apkovl.tar.gz"), "rpi", 11);
    backup();
    assertThat(partial).doesNotExist();
    assertThat(repo.version("rpi", "latest").card().resolve(".lbuvault-tmp-123")).doesNotExist();
    assertThat(repo.version("rpi", "latest").dir().resolve(".version.json.tmp-456")).doesNotExist();
  }

  @Test
  void aMissingSourceIsAClearError() {
    assertThatThrownBy(
            () ->
                service(Clock.systemUTC())
                    .run(
                        new BackupRequest(
                            tmp.resolve("nope"), Optional.empty(), false, Duration.ZERO)))
        .isInstanceOf(SourceException.class)
        .hasMessageContaining("is not a directory: is the card mounted?");
  }

  @Test
  void anEmptySourceIsRefusedEvenWithAHostBecauseTheCardIsProbablyNotMounted() throws Exception {
    Path mountPoint = Files.createDirectories(tmp.resolve("media/mmcblk0p1"));
    assertThatThrownBy(
            () ->
                service(Clock.systemUTC())
                    .run(new BackupRequest(mountPoint, Optional.of("rpi"), false, Duration.ZERO)))
        .isInstanceOf(SourceException.class)
        .hasMessageContaining("holds no files: is the card mounted?");
    assertThat(repo.versions("rpi")).isEmpty();
  }

  static void touch(Path p) throws IOException {
    Files.setLastModifiedTime(p, FileTime.from(Instant.now()));
  }
}
