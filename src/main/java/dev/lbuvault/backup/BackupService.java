package dev.lbuvault.backup;

import dev.lbuvault.BuildInfo;
import dev.lbuvault.archive.ApkovlName;
import dev.lbuvault.archive.ApkovlSummary;
import dev.lbuvault.archive.ApkovlValidator;
import dev.lbuvault.archive.InvalidApkovlException;
import dev.lbuvault.fs.SecureFiles;
import dev.lbuvault.fs.Sha256;
import dev.lbuvault.repo.ApkovlRecord;
import dev.lbuvault.repo.ChecksumManifest;
import dev.lbuvault.repo.HostArea;
import dev.lbuvault.repo.ManifestEntry;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.RepositoryException;
import dev.lbuvault.repo.RepositoryLock;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.repo.VersionId;
import dev.lbuvault.repo.VersionMetadata;
import dev.lbuvault.source.CardFile;
import dev.lbuvault.source.CardScan;
import dev.lbuvault.source.CardScanner;
import dev.lbuvault.source.SourceBusyException;
import dev.lbuvault.source.SourceException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * One backup run: scan the card, bring the host's working mirror up to date (copying and hashing
 * only files whose size or mtime changed), make sure the card did not change meanwhile, validate
 * the apkovl, and publish a new read-only version if anything differs from the newest one. The
 * version becomes visible only through a final rename, so an interrupted run publishes nothing.
 */
public final class BackupService {
  private final Repository repository;
  private final Clock clock;
  private final CardScanner scanner;
  private final ApkovlValidator validator;
  private final CardVolumeSource volumes;

  public BackupService(
      Repository repository,
      Clock clock,
      CardScanner scanner,
      ApkovlValidator validator,
      CardVolumeSource volumes) {
    this.repository = repository;
    this.clock = clock;
    this.scanner = scanner;
    this.validator = validator;
    this.volumes = volumes;
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
    Path source = request.source().toAbsolutePath().normalize();
    Object device = deviceOf(source);
    try {
      return runOnce(request, source);
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

  private static Object deviceOf(Path dir) {
    try {
      return Files.getAttribute(dir, "unix:dev");
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }

  private BackupResult runOnce(BackupRequest request, Path source)
      throws IOException, SourceException, InvalidApkovlException, RepositoryException {
    Instant start = clock.instant();
    CardScan first = scanner.scan(source);
    requireQuiet(first);
    if (first.files().isEmpty()) {
      // An unmounted card leaves an empty mount point: storing it would be an empty "version"
      // that retention could later keep instead of the real ones.
      throw new SourceException(
          "source "
              + source
              + " holds no files: is the card mounted? Nothing was stored (check --source)");
    }
    List<String> warnings = new ArrayList<>();
    List<String> apkovls = apkovlNames(first);
    String host = chooseHost(source, request.host(), apkovls);
    String primary = primaryApkovl(host, apkovls, warnings);
    if (apkovls.size() > 1) {
      warnings.add(
          apkovls.size()
              + " apkovls on the card ("
              + String.join(", ", apkovls)
              + "): the host boots from whichever is found first and lbu commit refuses to run;"
              + " remove all but one");
    }
    for (String skipped : first.skipped()) {
      warnings.add("not a regular file, not captured: " + skipped);
    }

    try (RepositoryLock ignored = repository.lock(request.lockWait(), clock, "backup")) {
      repository.removeLeftovers(host);
      HostArea area = repository.host(host);
      SecureFiles.createPrivateDirectories(area.versions());
      repository.backend().createWorkingTree(area.current());
      SecureFiles.createPrivateDirectories(area.currentCard());
      removeStrayEntries(area.current());

      Optional<StoredVersion> newest = repository.newest(host);
      Map<String, String> newestSums = readSums(newest);
      HashingCopier copier = new HashingCopier();
      List<ManifestEntry> entries = new ArrayList<>();
      Set<Path> touchedDirs = new LinkedHashSet<>();
      boolean sameAsNewest = newest.isPresent() && newestSums.size() == first.files().size();
      for (CardFile f : first.files()) {
        String key = StoredVersion.CARD_DIR + "/" + f.path();
        String known = newestSums.get(key);
        boolean matchesNewest = known != null && sameStat(newest.get().card().resolve(f.path()), f);
        Path target = area.currentCard().resolve(f.path());
        String hash;
        if (matchesNewest && !request.rehash() && sameStat(target, f)) {
          hash = known;
        } else {
          Path parent = target.getParent();
          SecureFiles.createPrivateDirectories(parent);
          hash = copier.copy(source.resolve(f.path()), target, f);
          touchedDirs.add(parent);
        }
        sameAsNewest &= matchesNewest && hash.equals(known);
        entries.add(new ManifestEntry(key, hash));
      }
      touchedDirs.addAll(removeExtraneous(area.currentCard(), first));
      for (Path dir : touchedDirs) {
        if (Files.isDirectory(dir)) {
          SecureFiles.fsyncDirectory(dir);
        }
      }

      CardScan second = scanner.scan(source);
      requireQuiet(second);
      if (!second.files().equals(first.files())) {
        throw new SourceBusyException("files on the card changed during the backup");
      }

      ApkovlRecord apkovl = primary == null ? null : validate(area, primary, entries);
      for (String other : apkovls) {
        if (!other.equals(primary)) {
          validator.validate(area.currentCard().resolve(other));
        }
      }

      long total = first.totalBytes();
      if (sameAsNewest) {
        return new BackupResult(
            BackupOutcome.UNCHANGED,
            host,
            newest.get().id(),
            first.files().size(),
            total,
            copier.bytesCopied(),
            warnings,
            Duration.between(start, clock.instant()));
      }

      VersionId id = VersionId.at(start);
      if (newest.isPresent() && id.compareTo(newest.get().id()) <= 0) {
        // The clock is behind the newest version (or in the same second): ids must still sort in
        // the order versions were taken, because "newest" is the last id.
        id = newest.get().id().next();
      }
      id = freeId(area, id);
      ChecksumManifest manifest = new ChecksumManifest(entries);
      String sumsText = manifest.toText();
      VersionMetadata metadata =
          new VersionMetadata(
              id,
              start,
              host,
              source.toString(),
              BuildInfo.version(),
              first.files().size(),
              total,
              apkovl,
              apkovls,
              volumes.volumeOf(source).orElse(null),
              warnings,
              Sha256.of(sumsText));
      Path current = area.current();
      SecureFiles.writeAtomically(
          current.resolve(StoredVersion.SUMS_FILE), sumsText, SecureFiles.READ_ONLY_FILE_MODE);
      SecureFiles.writeAtomically(
          current.resolve(StoredVersion.METADATA_FILE),
          metadata.toJson(),
          SecureFiles.READ_ONLY_FILE_MODE);

      Path partial = area.partial(id);
      repository.backend().snapshot(current, partial);
      SecureFiles.moveAtomically(partial, area.version(id));
      SecureFiles.fsyncDirectory(area.versions());
      return new BackupResult(
          BackupOutcome.STORED,
          host,
          id,
          first.files().size(),
          total,
          copier.bytesCopied(),
          warnings,
          Duration.between(start, clock.instant()));
    }
  }

  private static void requireQuiet(CardScan scan) throws SourceBusyException {
    for (String path : scan.inProgress()) {
      String name = path.substring(path.lastIndexOf('/') + 1);
      String finalName = name.substring(0, name.length() - ".new".length());
      if (path.indexOf('/') < 0 && ApkovlName.isApkovl(finalName)) {
        throw new SourceBusyException(path + " exists");
      }
    }
  }

  private static List<String> apkovlNames(CardScan scan) {
    List<String> names = new ArrayList<>();
    for (CardFile f : scan.files()) {
      if (f.atRoot() && ApkovlName.isApkovl(f.name())) {
        names.add(f.name());
      }
    }
    return names;
  }

  private static String chooseHost(Path source, Optional<String> requested, List<String> apkovls)
      throws SourceException {
    if (requested.isPresent()) {
      return requested.get();
    }
    Set<String> hosts = new TreeSet<>();
    for (String name : apkovls) {
      ApkovlName.hostOf(name).ifPresent(hosts::add);
    }
    if (hosts.size() == 1) {
      return hosts.iterator().next();
    }
    if (hosts.isEmpty()) {
      throw new SourceException(
          "no *.apkovl.tar.gz at the root of "
              + source
              + ": is this the card lbu writes to? Check --source, or name the host with --host to"
              + " back it up anyway");
    }
    throw new SourceException(
        "apkovls of several hosts on "
            + source
            + " ("
            + String.join(", ", hosts)
            + "): choose one with --host");
  }

  private static String primaryApkovl(String host, List<String> apkovls, List<String> warnings) {
    for (String name : apkovls) {
      if (ApkovlName.hostOf(name).orElse("").equals(host)) {
        return name;
      }
    }
    warnings.add("no apkovl for host " + host + " on the card");
    return null;
  }

  private ApkovlRecord validate(HostArea area, String name, List<ManifestEntry> entries)
      throws IOException, InvalidApkovlException {
    ApkovlSummary summary = validator.validate(area.currentCard().resolve(name));
    String key = StoredVersion.CARD_DIR + "/" + name;
    String sha = null;
    for (ManifestEntry e : entries) {
      if (e.path().equals(key)) {
        sha = e.sha256();
      }
    }
    return new ApkovlRecord(
        name,
        summary.sizeBytes(),
        sha,
        summary.encrypted() ? -1 : summary.entryCount(),
        summary.cipher());
  }

  private static Map<String, String> readSums(Optional<StoredVersion> newest) throws IOException {
    if (newest.isEmpty()) {
      return Map.of();
    }
    try {
      return ChecksumManifest.read(newest.get().sums()).byPath();
    } catch (NoSuchFileException e) {
      return Map.of();
    } catch (IOException e) {
      // A damaged list only costs a full re-read; verify reports the damage itself.
      return Map.of();
    }
  }

  private static boolean sameStat(Path file, CardFile expected) throws IOException {
    try {
      BasicFileAttributes a =
          Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      return a.isRegularFile()
          && a.size() == expected.size()
          && a.lastModifiedTime().equals(expected.mtime());
    } catch (NoSuchFileException e) {
      return false;
    }
  }

  /** Deletes mirror files the card no longer has; returns the directories it changed. */
  private static Set<Path> removeExtraneous(Path mirror, CardScan scan) throws IOException {
    Set<String> wanted = scan.byPath().keySet();
    Set<Path> changed = new LinkedHashSet<>();
    Files.walkFileTree(
        mirror,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            String rel = mirror.relativize(file).toString().replace('\\', '/');
            if (!wanted.contains(rel)) {
              Files.delete(file);
              changed.add(file.getParent());
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
            if (exc != null) {
              throw exc;
            }
            if (!dir.equals(mirror) && isEmpty(dir)) {
              Files.delete(dir);
              changed.add(dir.getParent());
            }
            return FileVisitResult.CONTINUE;
          }
        });
    return changed;
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

  private static boolean isEmpty(Path dir) throws IOException {
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      return !s.iterator().hasNext();
    }
  }

  private static VersionId freeId(HostArea area, VersionId base) {
    VersionId id = base;
    while (Files.exists(area.version(id)) || Files.exists(area.partial(id))) {
      id = id.next();
    }
    return id;
  }
}
