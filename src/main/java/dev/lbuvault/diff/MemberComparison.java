package dev.lbuvault.diff;

import dev.lbuvault.archive.ApkovlMember;
import dev.lbuvault.archive.ApkovlReader;
import dev.lbuvault.archive.InvalidApkovlException;
import dev.lbuvault.crypto.Password;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Compares the members of two apkovls, as {@code diff -ruN} of their extracted trees would: added
 * and removed members, changed type, mode, owner, link target and content. Text contents are loaded
 * in batches of at most {@link #BATCH_BYTES}, so many changed files never sit in memory at once.
 */
final class MemberComparison {
  static final long BATCH_BYTES = 4L * 1024 * 1024;

  private final boolean showSecrets;
  private final Path oldFile;
  private final Path newFile;
  private final Optional<Password> password;

  MemberComparison(boolean showSecrets, Path oldFile, Path newFile, Optional<Password> password) {
    this.password = password;
    this.showSecrets = showSecrets;
    this.oldFile = oldFile;
    this.newFile = newFile;
  }

  List<MemberChange> compare(Map<String, ApkovlMember> older, Map<String, ApkovlMember> newer)
      throws IOException, InvalidApkovlException {
    TreeSet<String> names = new TreeSet<>(older.keySet());
    names.addAll(newer.keySet());
    List<Pending> pending = new ArrayList<>();
    for (String name : names) {
      ApkovlMember a = older.get(name);
      ApkovlMember b = newer.get(name);
      if (a == null || b == null || !a.equals(b)) {
        pending.add(new Pending(name, a, b));
      }
    }
    List<MemberChange> changes = new ArrayList<>();
    for (List<Pending> batch : batches(pending)) {
      changes.addAll(resolve(batch));
    }
    return changes;
  }

  /** Splits the members whose text will be read into batches of bounded total size. */
  private List<List<Pending>> batches(List<Pending> pending) {
    List<List<Pending>> batches = new ArrayList<>();
    List<Pending> current = new ArrayList<>();
    long bytes = 0;
    for (Pending p : pending) {
      long cost = p.textCost(showSecrets);
      if (!current.isEmpty() && bytes + cost > BATCH_BYTES) {
        batches.add(current);
        current = new ArrayList<>();
        bytes = 0;
      }
      current.add(p);
      bytes += cost;
    }
    if (!current.isEmpty()) {
      batches.add(current);
    }
    return batches;
  }

  private List<MemberChange> resolve(List<Pending> batch)
      throws IOException, InvalidApkovlException {
    Set<String> wanted = new HashSet<>();
    for (Pending p : batch) {
      if (p.textCost(showSecrets) > 0) {
        wanted.add(p.name());
      }
    }
    Map<String, byte[]> oldText =
        wanted.isEmpty()
            ? Map.of()
            : ApkovlReader.contents(oldFile, wanted, VersionDiffer.MAX_TEXT_BYTES, password);
    Map<String, byte[]> newText =
        wanted.isEmpty()
            ? Map.of()
            : ApkovlReader.contents(newFile, wanted, VersionDiffer.MAX_TEXT_BYTES, password);
    List<MemberChange> changes = new ArrayList<>();
    for (Pending p : batch) {
      changes.add(p.toChange(showSecrets, oldText.get(p.name()), newText.get(p.name())));
    }
    return changes;
  }

  /** A member that differs, before its content has been looked at. */
  private record Pending(String name, ApkovlMember older, ApkovlMember newer) {
    private static final byte[] NONE = new byte[0];

    boolean isFile(ApkovlMember m) {
      return m != null && m.kind() == ApkovlMember.Kind.FILE;
    }

    boolean contentDiffers() {
      String a = isFile(older) ? older.sha256() : "";
      String b = isFile(newer) ? newer.sha256() : "";
      return !a.equals(b);
    }

    boolean secret() {
      return (older != null && SecretRules.isSecret(older))
          || (newer != null && SecretRules.isSecret(newer));
    }

    long size(ApkovlMember m) {
      return isFile(m) ? m.sizeBytes() : -1;
    }

    /** Bytes of text to load for this member: 0 when its content will not be shown. */
    long textCost(boolean showSecrets) {
      if (!contentDiffers() || (secret() && !showSecrets)) {
        return 0;
      }
      long a = Math.max(0, size(older));
      long b = Math.max(0, size(newer));
      return a > VersionDiffer.MAX_TEXT_BYTES || b > VersionDiffer.MAX_TEXT_BYTES ? 0 : a + b + 1;
    }

    MemberChange toChange(boolean showSecrets, byte[] oldBytes, byte[] newBytes) {
      ChangeKind kind =
          older == null
              ? ChangeKind.ADDED
              : newer == null ? ChangeKind.REMOVED : ChangeKind.CHANGED;
      return new MemberChange(
          name, kind, attributeChanges(), content(showSecrets, oldBytes, newBytes));
    }

    private List<String> attributeChanges() {
      List<String> changes = new ArrayList<>();
      if (older == null || newer == null) {
        return changes;
      }
      if (older.kind() != newer.kind()) {
        changes.add("type " + kindName(older) + " -> " + kindName(newer));
      }
      if (older.mode() != newer.mode()) {
        changes.add(String.format("mode %04o -> %04o", older.mode(), newer.mode()));
      }
      if (!older.owner().equals(newer.owner())) {
        changes.add("owner " + older.owner() + " -> " + newer.owner());
      }
      if (!older.linkTarget().equals(newer.linkTarget())) {
        changes.add("link " + older.linkTarget() + " -> " + newer.linkTarget());
      }
      return changes;
    }

    private static String kindName(ApkovlMember m) {
      return m.kind().name().toLowerCase(java.util.Locale.ROOT);
    }

    private ContentChange content(boolean showSecrets, byte[] oldBytes, byte[] newBytes) {
      if (!contentDiffers()) {
        return ContentChange.unchanged();
      }
      long a = size(older);
      long b = size(newer);
      if (secret() && !showSecrets) {
        return new ContentChange(ContentChange.Kind.SECRET, List.of(), a, b);
      }
      byte[] x = isFile(older) ? oldBytes : NONE;
      byte[] y = isFile(newer) ? newBytes : NONE;
      if (x == null || y == null) {
        return new ContentChange(ContentChange.Kind.TOO_LARGE, List.of(), a, b);
      }
      if (hasNul(x) || hasNul(y)) {
        return new ContentChange(ContentChange.Kind.BINARY, List.of(), a, b);
      }
      return UnifiedDiff.of(
              isFile(older) ? "a/" + name : "/dev/null",
              isFile(newer) ? "b/" + name : "/dev/null",
              x,
              y,
              VersionDiffer.MAX_LINE_EDITS)
          .map(lines -> new ContentChange(ContentChange.Kind.TEXT, lines, a, b))
          .orElseGet(() -> new ContentChange(ContentChange.Kind.TOO_LARGE, List.of(), a, b));
    }

    private static boolean hasNul(byte[] bytes) {
      for (byte c : bytes) {
        if (c == 0) {
          return true;
        }
      }
      return false;
    }
  }
}
