package dev.lbuvault.backup;

import dev.lbuvault.fs.SecureFiles;
import dev.lbuvault.fs.TreeWalker;
import dev.lbuvault.repo.ChecksumManifest;
import dev.lbuvault.repo.HostArea;
import dev.lbuvault.repo.ManifestEntry;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.source.CardFile;
import dev.lbuvault.source.CardScan;
import dev.lbuvault.source.SourceBusyException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
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
  private final Path source;
  private final HostArea area;
  private final Optional<StoredVersion> newest;
  private final boolean rehash;
  private final Set<String> forced = new HashSet<>();
  private final HashingCopier copier = new HashingCopier();

  MirrorSync(Path source, HostArea area, Optional<StoredVersion> newest, boolean rehash) {
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

  Result sync(CardScan scan) throws IOException, SourceBusyException {
    Map<String, String> newestSums = readSums(newest);
    List<ManifestEntry> entries = new ArrayList<>();
    Set<Path> touchedDirs = new LinkedHashSet<>();
    Path mirror = area.currentCard();
    boolean sameAsNewest = newest.isPresent() && newestSums.size() == scan.files().size();
    for (CardFile f : scan.files()) {
      String key = StoredVersion.CARD_DIR + "/" + f.path();
      String known = newestSums.get(key);
      boolean matchesNewest = known != null && sameStat(newest.get().card().resolve(f.path()), f);
      Path target = mirror.resolve(f.path());
      String hash;
      if (matchesNewest && !rehash && !forced.contains(f.path()) && sameStat(target, f)) {
        hash = known;
      } else {
        Path parent = target.getParent();
        SecureFiles.createPrivateDirectories(parent);
        hash = copier.copy(source.resolve(f.path()), target, f);
        touchedDirs.add(parent);
      }
      // A forced re-read stores a new version even with equal bytes: its copy is the healed one.
      sameAsNewest &= matchesNewest && hash.equals(known) && !forced.contains(f.path());
      entries.add(new ManifestEntry(key, hash));
    }
    touchedDirs.addAll(removeExtraneous(mirror, scan));
    for (Path dir : touchedDirs) {
      if (Files.isDirectory(dir)) {
        SecureFiles.fsyncDirectory(dir);
      }
    }
    return new Result(entries, sameAsNewest, copier.bytesCopied());
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

  /** Deletes mirror files the card no longer has; returns the directories it changed. */
  private static Set<Path> removeExtraneous(Path mirror, CardScan scan) throws IOException {
    Set<String> wanted = scan.byPath().keySet();
    Set<Path> changed = new LinkedHashSet<>();
    List<TreeWalker.Entry> all = TreeWalker.list(mirror);
    // Reverse pre-order visits a directory's contents before the directory itself.
    for (int i = all.size() - 1; i >= 0; i--) {
      TreeWalker.Entry e = all.get(i);
      if (!e.isDirectory() && !wanted.contains(e.path())) {
        Files.delete(e.file());
        changed.add(e.file().getParent());
      } else if (e.isDirectory() && isEmpty(e.file())) {
        Files.delete(e.file());
        changed.add(e.file().getParent());
      }
    }
    return changed;
  }

  private static boolean isEmpty(Path dir) throws IOException {
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      return !s.iterator().hasNext();
    }
  }
}
