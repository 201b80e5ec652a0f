package dev.lbuvault.diff;

import dev.lbuvault.archive.ApkovlMember;
import dev.lbuvault.archive.ApkovlReader;
import dev.lbuvault.archive.InvalidApkovlException;
import dev.lbuvault.crypto.Password;
import dev.lbuvault.repo.ApkovlRecord;
import dev.lbuvault.repo.ChecksumManifest;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.repo.VersionMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Compares two stored versions of a host at two levels: the card's files, from the versions' {@code
 * SHA256SUMS} (no file is read), and the apkovl's members, read from both stored apkovls as {@code
 * lbu diff} compares a committed overlay with the live system. Text contents are read only for the
 * members that differ, each under {@link #MAX_TEXT_BYTES}.
 */
public final class VersionDiffer {
  /** Larger text files are reported by size: an apkovl's text files are a few KiB. */
  static final int MAX_TEXT_BYTES = 256 * 1024;

  /** Edits beyond which a text is "too different to show": bounds Myers' memory to ~4 MiB. */
  static final int MAX_LINE_EDITS = 1000;

  private static final String CARD_PREFIX = StoredVersion.CARD_DIR + "/";

  private final boolean showSecrets;
  private final Optional<Password> password;

  /**
   * @param showSecrets whether secret members' contents may be shown
   */
  public VersionDiffer(boolean showSecrets) {
    this(showSecrets, Optional.empty());
  }

  /**
   * @param showSecrets whether secret members' contents may be shown
   * @param password opens encrypted apkovls; without it their members are not compared
   */
  public VersionDiffer(boolean showSecrets, Optional<Password> password) {
    this.showSecrets = showSecrets;
    this.password = password;
  }

  /**
   * Compares {@code older} with {@code newer}.
   *
   * @throws InvalidApkovlException if a stored apkovl cannot be read (a damaged version)
   */
  public VersionDiff diff(StoredVersion older, StoredVersion newer)
      throws IOException, InvalidApkovlException {
    return new VersionDiff(
        newer.host(),
        older.id().value(),
        newer.id().value(),
        compareCards(older, newer),
        compareApkovls(older, newer));
  }

  private static List<CardChange> compareCards(StoredVersion older, StoredVersion newer)
      throws IOException {
    Map<String, String> a = ChecksumManifest.read(older.sums()).byPath();
    Map<String, String> b = ChecksumManifest.read(newer.sums()).byPath();
    List<CardChange> changes = new ArrayList<>();
    for (String path : new TreeSet<>(union(a.keySet(), b.keySet()))) {
      String oldSum = a.getOrDefault(path, "");
      String newSum = b.getOrDefault(path, "");
      if (!oldSum.equals(newSum)) {
        ChangeKind kind =
            oldSum.isEmpty()
                ? ChangeKind.ADDED
                : newSum.isEmpty() ? ChangeKind.REMOVED : ChangeKind.CHANGED;
        changes.add(
            new CardChange(
                cardPath(path),
                kind,
                sizeOf(older, path, oldSum),
                sizeOf(newer, path, newSum),
                oldSum,
                newSum));
      }
    }
    return changes;
  }

  private ApkovlDiff compareApkovls(StoredVersion older, StoredVersion newer)
      throws IOException, InvalidApkovlException {
    ApkovlRecord a = VersionMetadata.read(older.metadata()).apkovl();
    ApkovlRecord b = VersionMetadata.read(newer.metadata()).apkovl();
    String oldName = a == null ? "" : a.name();
    String newName = b == null ? "" : b.name();
    Optional<String> skip = whyNotCompared(a, b);
    if (skip.isPresent()) {
      return new ApkovlDiff(oldName, newName, skip.get(), List.of());
    }
    if (a.sha256().equals(b.sha256())) {
      return new ApkovlDiff(oldName, newName, "", List.of());
    }
    Path oldFile = older.card().resolve(oldName);
    Path newFile = newer.card().resolve(newName);
    Optional<String> locked = locked(oldFile, newFile);
    if (locked.isPresent()) {
      return new ApkovlDiff(oldName, newName, locked.get(), List.of());
    }
    Map<String, ApkovlMember> oldMembers = byName(ApkovlReader.members(oldFile, password));
    Map<String, ApkovlMember> newMembers = byName(ApkovlReader.members(newFile, password));
    List<MemberChange> changes =
        new MemberComparison(showSecrets, oldFile, newFile, password)
            .compare(oldMembers, newMembers);
    return new ApkovlDiff(oldName, newName, "", changes);
  }

  private static Optional<String> whyNotCompared(ApkovlRecord a, ApkovlRecord b) {
    if (a == null || b == null) {
      return Optional.of(
          a == null && b == null
              ? "neither version has an apkovl"
              : (a == null ? "the older" : "the newer") + " version has no apkovl");
    }
    return Optional.empty();
  }

  /** Why an encrypted apkovl of the two cannot be opened with the password at hand, if so. */
  private Optional<String> locked(Path oldFile, Path newFile) throws IOException {
    for (Path file : List.of(oldFile, newFile)) {
      Optional<String> reason = ApkovlReader.lockedReason(file, password);
      if (reason.isPresent()) {
        String hint =
            password.isEmpty()
                ? ": give the password with --password-file"
                : " for " + file.getFileName();
        return Optional.of("encrypted apkovl: members not compared (" + reason.get() + hint + ")");
      }
    }
    return Optional.empty();
  }

  /** Members by name; a name archived twice counts as its last copy, as extraction leaves it. */
  private static Map<String, ApkovlMember> byName(List<ApkovlMember> members) {
    Map<String, ApkovlMember> map = new TreeMap<>();
    for (ApkovlMember m : members) {
      map.put(m.name(), m);
    }
    return map;
  }

  private static TreeSet<String> union(java.util.Set<String> a, java.util.Set<String> b) {
    TreeSet<String> all = new TreeSet<>(a);
    all.addAll(b);
    return all;
  }

  private static String cardPath(String sumsPath) {
    return sumsPath.startsWith(CARD_PREFIX) ? sumsPath.substring(CARD_PREFIX.length()) : sumsPath;
  }

  private static long sizeOf(StoredVersion v, String sumsPath, String sum) throws IOException {
    if (sum.isEmpty()) {
      return -1;
    }
    try {
      return Files.size(v.dir().resolve(sumsPath));
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(
          e.getFile(), null, "listed in SHA256SUMS but missing: run lbuvault verify");
    }
  }
}
