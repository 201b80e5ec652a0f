package dev.lbuvault.uncommitted;

import dev.lbuvault.archive.ApkovlMember;
import dev.lbuvault.fs.Sha256;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Computes {@code lbu status} for a root natively: the paths {@code lbu package} would archive now
 * ({@link BackupAudit} plus {@link LbuIncludes}) against the members of a committed apkovl. As lbu
 * compares two extracted trees, every parent directory of a member counts as present on its side,
 * so a new directory shows up as {@code A dir} and a directory no longer archived as {@code D dir}.
 *
 * <p>A path on both sides is {@code U} when lbu commit would store something different: a regular
 * file's content ({@code lbu status} also requires the live file to be newer than the committed
 * one), and, where lbu status says nothing although the commit would change the apkovl, a symlink's
 * target, a change of file type, or the permission bits of a path listed on both sides.
 */
public final class UncommittedScanner {
  private final Path root;

  /**
   * @param root the host's root directory ({@code /} on the host itself)
   */
  public UncommittedScanner(Path root) {
    this.root = root;
  }

  /** The paths {@code lbu package} would archive now, relative to the root. */
  Set<String> listed() throws IOException {
    ProtectedPaths protection = ProtectedPaths.load(root);
    InstalledDb db = InstalledDb.load(root, protection);
    Set<String> listed = new HashSet<>();
    new BackupAudit(root, protection, db).run(listed);
    LbuIncludes.addTo(root, listed);
    return listed;
  }

  /** The differences between the committed apkovl's members and what lbu would archive now. */
  public List<Change> compare(List<ApkovlMember> committed) throws IOException {
    Map<String, ApkovlMember> members = new HashMap<>();
    for (ApkovlMember m : committed) {
      String name = normalize(m.name());
      if (!name.isEmpty()) {
        members.put(name, m);
      }
    }
    Set<String> listed = listed();
    TreeSet<String> before = withParents(members.keySet());
    TreeSet<String> now = withParents(listed);
    List<Change> deleted = new ArrayList<>();
    for (String p : before) {
      if (!now.contains(p)) {
        deleted.add(new Change(Change.Kind.DELETED, p, deletedAt(p)));
      }
    }
    List<Change> changes = new ArrayList<>(deleted);
    for (String p : now) {
      Optional<LiveFile> live = LiveFile.stat(root.resolve(p));
      if (live.isEmpty()) {
        continue; // removed while we looked
      }
      if (!before.contains(p)) {
        changes.add(new Change(Change.Kind.ADDED, p, live.get().changed().toInstant()));
      } else if (updated(p, live.get(), members, listed.contains(p))) {
        changes.add(new Change(Change.Kind.UPDATED, p, live.get().changed().toInstant()));
      }
    }
    return changes;
  }

  private boolean updated(
      String path, LiveFile live, Map<String, ApkovlMember> members, boolean listedNow)
      throws IOException {
    ApkovlMember m = members.get(path);
    if (m == null) {
      // only a parent directory in the apkovl
      return live.kind() != LiveFile.Kind.DIRECTORY;
    }
    if (m.kind() == ApkovlMember.Kind.HARDLINK) {
      ApkovlMember target = members.get(normalize(m.linkTarget()));
      if (target == null) {
        return true;
      }
      m = target;
    }
    LiveFile.Kind before = kindOf(m);
    if (before != live.kind()) {
      return true;
    }
    if (!listedNow) {
      return false; // a parent directory now: tar recreates it, whatever its mode
    }
    return switch (before) {
      case FILE ->
          m.sizeBytes() != live.size()
              || (m.mode() & 07777) != live.mode()
              || !m.sha256().equals(sha256(path));
      case SYMLINK -> !m.linkTarget().equals(LiveFile.linkTarget(root.resolve(path)));
      case DIRECTORY -> (m.mode() & 07777) != live.mode();
      case OTHER -> false;
    };
  }

  private String sha256(String path) throws IOException {
    return java.util.HexFormat.of()
        .formatHex(LiveFile.digest(root.resolve(path), LiveFile.Kind.FILE, Sha256.newDigest()));
  }

  /** A deletion leaves no file: date it by its nearest existing parent directory's ctime. */
  private java.time.Instant deletedAt(String path) throws IOException {
    for (String p = path; ; p = parent(p)) {
      Optional<LiveFile> live = LiveFile.stat(p.isEmpty() ? root : root.resolve(p));
      if (live.isPresent()) {
        return live.get().changed().toInstant();
      }
      if (p.isEmpty()) {
        throw new java.nio.file.NoSuchFileException(root.toString(), null, "the root vanished");
      }
    }
  }

  private static LiveFile.Kind kindOf(ApkovlMember m) {
    return switch (m.kind()) {
      case FILE, HARDLINK -> LiveFile.Kind.FILE;
      case DIRECTORY -> LiveFile.Kind.DIRECTORY;
      case SYMLINK -> LiveFile.Kind.SYMLINK;
      case OTHER -> LiveFile.Kind.OTHER;
    };
  }

  /** Member names as tar extracts them: no "./" or leading slash, no trailing slash. */
  static String normalize(String name) {
    String n = name;
    while (n.startsWith("./") || n.startsWith("/")) {
      n = n.substring(n.charAt(0) == '/' ? 1 : 2);
    }
    while (n.endsWith("/")) {
      n = n.substring(0, n.length() - 1);
    }
    return n.equals(".") ? "" : n;
  }

  private static TreeSet<String> withParents(Set<String> paths) {
    TreeSet<String> all = new TreeSet<>();
    for (String p : paths) {
      for (String q = p; !q.isEmpty() && all.add(q); q = parent(q)) {
        // each parent once
      }
    }
    return all;
  }

  private static String parent(String path) {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? "" : path.substring(0, slash);
  }
}
