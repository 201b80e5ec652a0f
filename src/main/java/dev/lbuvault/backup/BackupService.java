package dev.lbuvault.backup;

import dev.lbuvault.BuildInfo;
import dev.lbuvault.archive.ApkovlSummary;
import dev.lbuvault.archive.ApkovlValidator;
import dev.lbuvault.archive.InvalidApkovlException;
import dev.lbuvault.boot.BootReadiness;
import dev.lbuvault.fs.SecureFiles;
import dev.lbuvault.fs.Sha256;
import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.repo.ApkovlRecord;
import dev.lbuvault.repo.BootRecord;
import dev.lbuvault.repo.CardVolumeRecord;
import dev.lbuvault.repo.ChecksumManifest;
import dev.lbuvault.repo.DamageRecord;
import dev.lbuvault.repo.DamageStore;
import dev.lbuvault.repo.HostArea;
import dev.lbuvault.repo.ManifestEntry;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.RepositoryException;
import dev.lbuvault.repo.RepositoryLock;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.repo.VersionId;
import dev.lbuvault.repo.VersionMetadata;
import dev.lbuvault.source.CardLocation;
import dev.lbuvault.source.CardReader;
import dev.lbuvault.source.CardScan;
import dev.lbuvault.source.CardScanner;
import dev.lbuvault.source.LocalCardReader;
import dev.lbuvault.source.SourceBusyException;
import dev.lbuvault.source.SourceException;
import dev.lbuvault.source.SshCardReader;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One backup run, as a list of steps each done by its own class: survey the card ({@link
 * CardSurvey}), bring the host's working mirror up to date under the repository lock ({@link
 * MirrorSync}: copying and hashing only files whose size or mtime changed), make sure the card did
 * not change meanwhile, validate the apkovl, and publish a new read-only version if anything
 * differs from the newest one ({@link VersionPublisher}: visible only through a final rename, so an
 * interrupted run publishes nothing).
 */
public final class BackupService {
  private final Repository repository;
  private final Clock clock;
  private final CardSurvey surveyor = new CardSurvey();
  private final CardScanner scanner;
  private final ApkovlValidator validator;
  private final CardVolumeSource volumes;
  private final ProcessRunner processes;
  private final VersionPublisher publisher;

  /** A service that reads ssh sources with the real OpenSSH client. */
  public BackupService(
      Repository repository,
      Clock clock,
      CardScanner scanner,
      ApkovlValidator validator,
      CardVolumeSource volumes) {
    this(repository, clock, scanner, validator, volumes, ProcessRunner.system());
  }

  /** A service whose ssh sources run {@code ssh} through {@code processes}. */
  public BackupService(
      Repository repository,
      Clock clock,
      CardScanner scanner,
      ApkovlValidator validator,
      CardVolumeSource volumes,
      ProcessRunner processes) {
    this.repository = repository;
    this.clock = clock;
    this.scanner = scanner;
    this.validator = validator;
    this.volumes = volumes;
    this.processes = processes;
    this.publisher = new VersionPublisher(repository);
  }

  /**
   * Runs one backup.
   *
   * @throws SourceBusyException when lbu is writing the card; nothing was stored
   * @throws SourceException when the card cannot be read or has no apkovl to name the host
   * @throws InvalidApkovlException when the apkovl is damaged; nothing was stored
   * @throws RepositoryException when the repository is locked or unusable
   */
  public BackupResult run(BackupRequest request)
      throws IOException, SourceException, InvalidApkovlException, RepositoryException {
    if (request.source() instanceof CardLocation.Remote remote) {
      return runOnce(request, new SshCardReader(remote.ssh(), processes));
    }
    Path source = resolveSource(((CardLocation.Local) request.source()).path());
    Object device = deviceOf(source);
    try {
      return runOnce(request, new LocalCardReader(source, scanner));
    } catch (SourceException | NoSuchFileException e) {
      // A card unmounted mid-run looks like files vanishing or changing; say what happened.
      if (device != null && !device.equals(deviceOf(source))) {
        throw new SourceException(
            "source "
                + source
                + " was unmounted or removed during the backup: nothing was stored; mount the"
                + " card and retry",
            e);
      }
      throw e;
    }
  }

  /**
   * The card's real directory: a symlink given as {@code --source} is followed (the walk itself
   * never follows links), and a repository inside it is refused before anything is written, since
   * each backup would copy the repository into itself.
   */
  private Path resolveSource(Path given) throws IOException, SourceException {
    Path source = given.toAbsolutePath().normalize();
    if (!Files.isDirectory(source)) {
      return source; // the scan names the problem
    }
    source = source.toRealPath();
    Path repo = repository.root().toAbsolutePath().normalize();
    if (Files.exists(repo)) {
      repo = repo.toRealPath();
    }
    if (repo.startsWith(source)) {
      throw new SourceException(
          "repository "
              + repo
              + " is inside the source "
              + source
              + ": each backup would copy the repository into itself; put the repository on"
              + " another directory or device");
    }
    return source;
  }

  private static Object deviceOf(Path dir) {
    try {
      return Files.getAttribute(dir, "unix:dev");
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }

  private BackupResult runOnce(BackupRequest request, CardReader source)
      throws IOException, SourceException, InvalidApkovlException, RepositoryException {
    Instant start = clock.instant();
    CardSurvey.Survey survey = surveyor.survey(source, request.host());
    String host = survey.host();
    try (RepositoryLock ignored = repository.lock(request.lockWait(), clock, "backup")) {
      HostArea area = prepareArea(host);
      Optional<StoredVersion> newest = repository.newest(host);
      MirrorSync sync = new MirrorSync(source, area, newest, request.rehash());
      // What verify found damaged where the next version would share the damaged copy.
      DamageStore damage = new DamageStore(area);
      List<String> damageWarnings = new ArrayList<>();
      Optional<DamageRecord> record = damage.readOrSetAside(damageWarnings);
      Set<String> heal = record.map(DamageRecord::heal).orElse(Set.of());
      sync.forceReread(record.isPresent() ? cardRelative(heal) : survey.scan().byPath().keySet());
      survey = survey.withWarnings(damageWarnings);
      MirrorSync.Result mirrored = sync.sync(survey.scan());
      requireUnchanged(source, survey.scan());

      CardScan scan = survey.scan();
      if (mirrored.sameAsNewest()) {
        // Every byte is the newest version's, whose apkovl was validated when it was stored.
        // Nothing to heal is the nightly case: no damage record to lock, read and compare then.
        if (!heal.isEmpty()) {
          damage.update(r -> r.withoutHeal(heal));
        }
        return result(
            BackupOutcome.UNCHANGED,
            host,
            newest.get().id(),
            scan,
            mirrored,
            survey.warnings(),
            start);
      }
      Validated validated = validateApkovls(area, survey, mirrored.entries(), newest);
      ApkovlRecord apkovl = validated.record();
      List<String> warnings = withApkovlWarning(survey.warnings(), apkovl);
      VersionId id = publisher.nextId(area, start, newest);
      String sumsText = new ChecksumManifest(mirrored.entries()).toText();
      VersionMetadata metadata =
          new VersionMetadata(
              id,
              start,
              host,
              source.location(),
              BuildInfo.version(),
              scan.files().size(),
              scan.totalBytes(),
              apkovl,
              survey.apkovls(),
              volumeOf(source),
              warnings,
              Sha256.of(sumsText),
              scan.directories());
      metadata = metadata.withBoot(assessBoot(area, mirrored.entries(), validated));
      publisher.publish(area, id, sumsText, metadata);
      damage.update(r -> r.withoutHeal(heal));
      return result(BackupOutcome.STORED, host, id, scan, mirrored, warnings, start);
    }
  }

  /** The survey's warnings, and one more when an encrypted apkovl was stored unverified. */
  private static List<String> withApkovlWarning(List<String> warnings, ApkovlRecord apkovl) {
    if (apkovl == null || !apkovl.unverified()) {
      return warnings;
    }
    List<String> all = new java.util.ArrayList<>(warnings);
    all.add("encrypted apkovl not verified: " + apkovl.notVerified());
    return List.copyOf(all);
  }

  private static Set<String> cardRelative(java.util.Collection<String> versionPaths) {
    Set<String> paths = new java.util.TreeSet<>();
    String prefix = StoredVersion.CARD_DIR + "/";
    for (String p : versionPaths) {
      if (p.startsWith(prefix)) {
        paths.add(p.substring(prefix.length()));
      }
    }
    return paths;
  }

  /** Creates the host's directories and working mirror, and clears an interrupted run's debris. */
  private HostArea prepareArea(String host) throws IOException, RepositoryException {
    repository.removeLeftovers(host);
    HostArea area = repository.host(host);
    SecureFiles.createPrivateDirectories(area.versions());
    repository.backend().createWorkingTree(area.current());
    SecureFiles.createPrivateDirectories(area.currentCard());
    removeStrayEntries(area.current());
    return area;
  }

  /** The card's FAT volume, when it is mounted here; a remote card's is not read. */
  private CardVolumeRecord volumeOf(CardReader source) {
    return source instanceof LocalCardReader local
        ? volumes.volumeOf(local.root()).orElse(null)
        : null;
  }

  /** A second scan after the copy: any difference means lbu wrote the card meanwhile. */
  private void requireUnchanged(CardReader source, CardScan first) throws SourceException {
    CardScan second = surveyor.scanQuiet(source);
    if (!second.files().equals(first.files())) {
      throw new SourceBusyException("files on the card changed during the backup");
    }
  }

  /** The apkovl's record, and what is known of its {@code etc/apk/world} for the boot check. */
  private record Validated(ApkovlRecord record, BootReadiness.World world) {}

  private Validated validateApkovls(
      HostArea area,
      CardSurvey.Survey survey,
      List<ManifestEntry> entries,
      Optional<StoredVersion> newest)
      throws IOException, InvalidApkovlException {
    // Only the host's own apkovl is validated: other boot candidates (a leftover .bak, a copy)
    // are named in the "several apkovls" warning, and must not fail every backup.
    String primary = survey.primary();
    if (primary == null) {
      return new Validated(null, BootReadiness.World.skipped("the card has no apkovl"));
    }
    Optional<ApkovlRecord> before = validatedBefore(newest, primary, entries);
    if (before.isPresent()) {
      return new Validated(before.get(), BootWorlds.recorded(newest.get(), before.get()));
    }
    return validate(area, primary, entries);
  }

  /**
   * Whether the card just mirrored boots unattended, judged on the mirror's bytes (the version
   * being stored), not by reading the card again. A mirror file that cannot be read leaves the
   * readiness unknown rather than failing a backup that is otherwise sound.
   */
  private static BootRecord assessBoot(
      HostArea area, List<ManifestEntry> entries, Validated validated) {
    Set<String> paths = cardRelative(entries.stream().map(ManifestEntry::path).toList());
    Path card = area.currentCard();
    ApkovlRecord apkovl = validated.record();
    try {
      return BootReadiness.assess(
          paths,
          path -> Files.newInputStream(card.resolve(path)),
          apkovl == null ? null : apkovl.name(),
          validated.world(),
          apkovl != null && !apkovl.encrypted());
    } catch (IOException e) {
      return null;
    }
  }

  private BackupResult result(
      BackupOutcome outcome,
      String host,
      VersionId id,
      CardScan scan,
      MirrorSync.Result mirrored,
      List<String> warnings,
      Instant start) {
    return new BackupResult(
        outcome,
        host,
        id,
        scan.files().size(),
        scan.totalBytes(),
        mirrored.bytesCopied(),
        warnings,
        Duration.between(start, clock.instant()));
  }

  /**
   * The newest version's record of this apkovl if it has the same bytes (same SHA-256): it was
   * validated when that version was stored, and validating again would cost a full decompression on
   * every run.
   */
  private static Optional<ApkovlRecord> validatedBefore(
      Optional<StoredVersion> newest, String name, List<ManifestEntry> entries) {
    if (newest.isEmpty()) {
      return Optional.empty();
    }
    String key = StoredVersion.CARD_DIR + "/" + name;
    Optional<String> sha =
        entries.stream().filter(e -> e.path().equals(key)).map(ManifestEntry::sha256).findFirst();
    try {
      ApkovlRecord before = VersionMetadata.read(newest.get().metadata()).apkovl();
      return Optional.ofNullable(before)
          .filter(b -> b.name().equals(name) && sha.isPresent() && b.sha256().equals(sha.get()))
          // An encrypted apkovl not verified then may be now: the password may have been fixed.
          .filter(b -> !b.encrypted() || b.keyDerivation() != null);
    } catch (IOException | RuntimeException e) {
      // Unreadable metadata only costs a validation; verify reports the damage itself.
      return Optional.empty();
    }
  }

  private Validated validate(HostArea area, String name, List<ManifestEntry> entries)
      throws IOException, InvalidApkovlException {
    ApkovlSummary summary = validator.validate(area.currentCard().resolve(name));
    String key = StoredVersion.CARD_DIR + "/" + name;
    String sha = null;
    for (ManifestEntry e : entries) {
      if (e.path().equals(key)) {
        sha = e.sha256();
      }
    }
    ApkovlRecord record =
        new ApkovlRecord(
            name,
            summary.sizeBytes(),
            sha,
            summary.entryCount(),
            summary.cipher(),
            summary.keyDerivation(),
            summary.notVerified());
    return new Validated(record, BootWorlds.validated(summary));
  }

  /**
   * Deletes whatever an interrupted run left at the top of the working mirror (temporary metadata
   * files), since a btrfs snapshot would carry it into the next version.
   */
  private static void removeStrayEntries(Path current) throws IOException {
    Set<String> expected =
        Set.of(StoredVersion.CARD_DIR, StoredVersion.SUMS_FILE, StoredVersion.METADATA_FILE);
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(current)) {
      for (Path p : entries) {
        if (!expected.contains(p.getFileName().toString())) {
          SecureFiles.deleteTree(p);
        }
      }
    }
  }
}
