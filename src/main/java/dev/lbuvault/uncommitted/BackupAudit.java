package dev.lbuvault.uncommitted;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * What {@code apk audit --backup --recursive --check-permissions} lists under a root (apk-tools
 * 2.14, {@code app_audit.c}), which is what {@code lbu commit} archives besides its include list.
 * It walks only the directories with protected paths below them and lists:
 *
 * <ul>
 *   <li>a directory under a protected path that no package owns, or whose mode or owner differs
 *       from the database;
 *   <li>under {@code +} paths, a file no package owns, or whose content (SHA-1 or MD5 of the
 *       content, of the target for a symlink), mode or owner differs from the database;
 *   <li>under {@code @} paths the same, for symlinks only; under {@code !} paths every file;
 *   <li>never a file under a {@code -} path, nor a {@code *.apk-new} file no package owns.
 * </ul>
 *
 * Extended attributes, which apk also compares, are not: lbu's tar does not store them either.
 */
final class BackupAudit {
  private static final String APK_NEW = ".apk-new";

  private final Path root;
  private final ProtectedPaths protection;
  private final InstalledDb db;

  BackupAudit(Path root, ProtectedPaths protection, InstalledDb db) {
    this.root = root;
    this.protection = protection;
    this.db = db;
  }

  /** Adds every listed path (relative, without a trailing slash) to {@code listed}. */
  void run(Set<String> listed) throws IOException {
    walk(root, "", protection.root(), listed);
  }

  private void walk(Path dir, String rel, ProtectedPaths.Dir prot, Set<String> listed)
      throws IOException {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        String name = p.getFileName().toString();
        String path = rel.isEmpty() ? name : rel + "/" + name;
        Optional<LiveFile> stat = LiveFile.stat(p);
        if (stat.isEmpty()) {
          continue;
        }
        if (stat.get().kind() == LiveFile.Kind.DIRECTORY) {
          ProtectedPaths.Dir child = ProtectedPaths.child(prot, name);
          if (!child.mode().isNone() && directoryDiffers(path, stat.get())) {
            listed.add(path);
          }
          if (child.hasProtectedChildren()) {
            walk(p, path, child, listed);
          }
        } else if (fileListed(p, path, ProtectedPaths.file(prot, name), stat.get())) {
          listed.add(path);
        }
      }
    }
  }

  private boolean directoryDiffers(String path, LiveFile live) {
    if (!db.knowsDir(path)) {
      return true;
    }
    InstalledDb.Acl acl = db.dirAcl(path);
    if (acl.mode() == 0 && acl.uid() == 0 && acl.gid() == 0) {
      return false;
    }
    return live.mode() != acl.mode() || live.uid() != acl.uid() || live.gid() != acl.gid();
  }

  private boolean fileListed(Path p, String path, ProtectMode mode, LiveFile live)
      throws IOException {
    boolean apkNew = path.endsWith(APK_NEW);
    switch (mode) {
      case NONE, IGNORE -> {
        return false;
      }
      case ALL -> {
        return !apkNew;
      }
      case SYMLINKS_ONLY -> {
        if (live.kind() != LiveFile.Kind.SYMLINK) {
          return false;
        }
      }
      case CHANGED -> {}
    }
    Optional<InstalledDb.DbFile> dbf = db.file(path);
    if (dbf.isEmpty()) {
      return !apkNew;
    }
    return differs(p, dbf.get(), live);
  }

  /** apk's {@code audit_file}: content first, then a symlink without checksum, then mode/owner. */
  private static boolean differs(Path p, InstalledDb.DbFile dbf, LiveFile live) throws IOException {
    ApkChecksum sum = dbf.checksum();
    boolean hashable = live.kind() == LiveFile.Kind.FILE || live.kind() == LiveFile.Kind.SYMLINK;
    if (sum.type() != ApkChecksum.Type.NONE && hashable) {
      if (!sum.matches(LiveFile.digest(p, live.kind(), sum.type().newDigest()))) {
        return true;
      }
    } else if (live.kind() == LiveFile.Kind.SYMLINK) {
      return true;
    }
    InstalledDb.Acl acl = dbf.acl();
    return live.mode() != acl.mode() || live.uid() != acl.uid() || live.gid() != acl.gid();
  }
}
