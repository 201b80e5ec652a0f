package dev.lbuvault.backup;

import dev.lbuvault.fs.SecureFiles;
import dev.lbuvault.fs.TreeWalker;
import dev.lbuvault.repo.ChecksumManifest;
import dev.lbuvault.repo.HostArea;
import dev.lbuvault.repo.ManifestEntry;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.source.CardFile;
import dev.lbuvault.source.CardReader;
import dev.lbuvault.source.CardScan;
import dev.lbuvault.source.SourceException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Brings a host's working mirror ({@code current/card}) up to date with one scan of the card: files
 * whose size and mtime match both the mirror and the newest version keep their stored hash; every
 * other file is copied and hashed afresh (always to a new file renamed into place, never modified
 * in place, so versions sharing the old copy keep it); files the card no longer has are deleted.
 * The caller holds the repository lock.
 */
final class MirrorSync {
  private final CardReader source;
  private final HostArea area;
  private final Optional<StoredVersion> newest;
  private final boolean rehash;
  private final Set<String> forced = new HashSet<>();

  /**
   * Where copies are written before their rename into the mirror: beside {@code card/}, not inside
   * it, so no temporary name can collide with a card file's name (and on btrfs it is in the same
   * subvolume, so the rename stays a rename). Deleted after each sync; a crash's leftover is
   * removed by the next run before anything else.
   */
  static final String STAGING_DIR = ".lbuvault-staging";

  MirrorSync(CardReader source, HostArea area, Optional<StoredVersion> newest, boolean rehash) {
    this.source = source;
    this.area = area;
    this.newest = newest;
    this.rehash = rehash;
  }

  /**
   * Card paths (relative to the card root) to read again whatever their size and mtime, e.g. ones
   * {@code verify} found damaged: each gets a fresh copy that shares nothing with the old one.
   */
  void forceReread(Set<String> paths) {
    forced.addAll(paths);
  }

  /** The mirror's manifest after a sync, and whether it equals the newest version's. */
  record Result(List<ManifestEntry> entries, boolean sameAsNewest, long bytesCopied) {
    Result {
      entries = List.copyOf(entries);
    }
  }

  /**
   * Syncs the mirror with {@code scan}, in an order that lets any entry change kind: first what the
   * card no longer has, or has as another kind (a file that became a directory, or the reverse), is
   * deleted; then every card directory, empty ones included, is created; then the files are copied.
   */
  Result sync(CardScan scan) throws IOException, SourceException {
    Path mirror = area.currentCard();
    Set<Path> touchedDirs = new LinkedHashSet<>(removeExtraneous(mirror, scan));
    for (String dir : scan.directories()) {
      Path d = mirror.resolve(dir);
      if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
        SecureFiles.createPrivateDirectories(d);
        touchedDirs.add(d.getParent());
      }
    }
    Path staging = area.current().resolve(STAGING_DIR);
    SecureFiles.createPrivateDirectories(staging);
    try {
      Result copied;
      try (Committer committer = new Committer()) {
        copied = copyFiles(scan, mirror, staging, touchedDirs, new HashingCopier(committer));
        committer.drain();
      }
      // A directory added or removed (an empty one included) is a change worth a version.
      Result result =
          new Result(
              copied.entries(),
              copied.sameAsNewest() && sameDirectories(scan),
              copied.bytesCopied());
      for (Path dir : touchedDirs) {
        if (Files.isDirectory(dir)) {
          SecureFiles.fsyncDirectory(dir);
        }
      }
      return result;
    } finally {
      SecureFiles.deleteTree(staging);
    }
  }

  /**
   * Keeps the stored hash of every file whose size and mtime match both the mirror and the newest
   * version, and has the card reader deliver all the others in one pass (for an ssh source, one tar
   * stream of just those files).
   */
  private Result copyFiles(
      CardScan scan, Path mirror, Path staging, Set<Path> touchedDirs, HashingCopier copier)
      throws IOException, SourceException {
    Map<String, String> newestSums = readSums(newest);
    Map<String, String> hashes = new HashMap<>();
    Set<String> matchingNewest = new HashSet<>();
    List<CardFile> toRead = new ArrayList<>();
    for (CardFile f : scan.files()) {
      String known = newestSums.get(StoredVersion.CARD_DIR + "/" + f.path());
      Path target = mirror.resolve(f.path());
      boolean matchesNewest = known != null && sameStat(newest.get().card().resolve(f.path()), f);
      if (matchesNewest) {
        matchingNewest.add(f.path());
      }
      if (matchesNewest && !rehash && !forced.contains(f.path()) && sameStat(target, f)) {
        hashes.put(f.path(), known);
      } else {
        toRead.add(f);
        touchedDirs.add(target.getParent());
      }
    }
    source.read(
        toRead,
        (f, in) -> {
          HashingCopier.Staged staged = copier.copy(in, mirror.resolve(f.path()), staging, f);
          return () -> {
            staged.accept();
            hashes.put(f.path(), staged.sha256());
          };
        });
    List<ManifestEntry> entries = new ArrayList<>();
    boolean sameAsNewest = newest.isPresent() && newestSums.size() == scan.files().size();
    for (CardFile f : scan.files()) {
      String key = StoredVersion.CARD_DIR + "/" + f.path();
      String known = newestSums.get(key);
      String hash = hashes.get(f.path());
      // A forced re-read stores a new version even with equal bytes: its copy is the healed one.
      sameAsNewest &=
          matchingNewest.contains(f.path()) && hash.equals(known) && !forced.contains(f.path());
      entries.add(new ManifestEntry(key, hash));
    }
    return new Result(entries, sameAsNewest, copier.bytesCopied());
  }

  private boolean sameDirectories(CardScan scan) throws IOException {
    if (newest.isEmpty() || !Files.isDirectory(newest.get().card())) {
      return false;
    }
    Set<String> stored = new HashSet<>();
    TreeWalker.walk(
        newest.get().card(),
        e -> {
          if (e.isDirectory()) {
            stored.add(e.path());
          }
          return e.isDirectory();
        });
    return stored.equals(new HashSet<>(scan.directories()));
  }

  private static Map<String, String> readSums(Optional<StoredVersion> newest) {
    if (newest.isEmpty()) {
      return Map.of();
    }
    try {
      return ChecksumManifest.read(newest.get().sums()).byPath();
    } catch (IOException e) {
      // A missing or damaged list only costs a full re-read; verify reports the damage itself.
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

  /**
   * Deletes what the mirror holds and the card does not hold as the same kind: files that are no
   * longer card files, and directories (with their contents) that are no longer card directories.
   * Returns the directories it changed.
   */
  private static Set<Path> removeExtraneous(Path mirror, CardScan scan) throws IOException {
    Set<String> files = scan.byPath().keySet();
    Set<String> dirs = new HashSet<>(scan.directories());
    Set<Path> changed = new LinkedHashSet<>();
    TreeWalker.walk(
        mirror,
        e -> {
          boolean keep = e.isDirectory() ? dirs.contains(e.path()) : files.contains(e.path());
          if (!keep) {
            SecureFiles.deleteTree(e.file());
            changed.add(e.file().getParent());
          }
          return keep;
        });
    return changed;
  }
}
