package dev.lbuvault.uncommitted;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What apk's installed package database ({@code lib/apk/db/installed}) says about the files and
 * directories apk audit looks at. The format is apk-tools 2's: packages separated by a blank line,
 * {@code F:dir} starts a directory ({@code M:uid:gid:mode} its owner and mode, default {@code
 * 0:0:755}), {@code R:name} a file in it ({@code a:uid:gid:mode} its owner and mode, default {@code
 * 0:0:644}; {@code Z:} its checksum). Only the files apk would audit in backup mode are kept (a
 * protected path's files), so a large database costs little memory; every directory a package owns,
 * and their ancestors, are kept by name.
 *
 * <p>A directory several packages own gets apk's merged permissions: the lowest owner, and the
 * modes AND-ed when the owners are equal ({@code apk_db_dir_apply_diri_permissions}).
 */
final class InstalledDb {
  /** Where the database lives, relative to the root. */
  static final String PATH = "lib/apk/db/installed";

  private static final long NO_ID = 0xFFFF_FFFFL;
  private static final int DEFAULT_DIR_MODE = 0755;
  private static final int DEFAULT_FILE_MODE = 0644;

  /** The owner and permission bits apk expects. */
  record Acl(int mode, long uid, long gid) {}

  /** A file of a package. */
  record DbFile(ApkChecksum checksum, Acl acl) {
    DbFile {
      Objects.requireNonNull(checksum, "checksum");
      Objects.requireNonNull(acl, "acl");
    }
  }

  private final Map<String, DbFile> files;
  private final Map<String, Acl> dirs;
  private final Set<String> knownDirs;

  private InstalledDb(Map<String, DbFile> files, Map<String, Acl> dirs, Set<String> knownDirs) {
    this.files = files;
    this.dirs = dirs;
    this.knownDirs = knownDirs;
  }

  /** An empty database: every file belongs to no package. */
  static InstalledDb empty() {
    return new InstalledDb(Map.of(), Map.of(), Set.of());
  }

  /** Reads the root's database; a root without one has no packages (as for apk). */
  static InstalledDb load(Path root, ProtectedPaths protection) throws IOException {
    Path db = root.resolve(PATH);
    try (BufferedReader in = Files.newBufferedReader(db, StandardCharsets.UTF_8)) {
      Parser p = new Parser(protection);
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        p.line(line);
      }
      p.endPackage();
      return new InstalledDb(p.files, p.dirs, p.known);
    } catch (NoSuchFileException e) {
      return empty();
    }
  }

  /** The package file at {@code path} ("etc/motd"), if it is one apk would audit. */
  Optional<DbFile> file(String path) {
    return Optional.ofNullable(files.get(path));
  }

  /** Whether a package owns the directory or one below it (apk's {@code refs > 1}). */
  boolean knowsDir(String path) {
    return knownDirs.contains(path);
  }

  /**
   * The permissions apk expects of a known directory: those of the packages that list it, or, for a
   * directory only known as an ancestor, none (apk then compares with mode 0 and owner -1, so such
   * a directory always differs).
   */
  Acl dirAcl(String path) {
    Acl acl = dirs.get(path);
    return acl == null ? new Acl(0, NO_ID, NO_ID) : acl;
  }

  /** The line-by-line reader; one package at a time. */
  private static final class Parser {
    private final ProtectedPaths protection;
    final Map<String, DbFile> files = new HashMap<>();
    final Map<String, Acl> dirs = new HashMap<>();
    final Set<String> known = new HashSet<>();
    private String dir;
    private ProtectedPaths.Dir dirProtection;
    private Acl dirAcl;
    private String file;
    private Acl fileAcl;
    private ApkChecksum checksum;

    Parser(ProtectedPaths protection) {
      this.protection = protection;
    }

    void line(String line) {
      if (line.length() < 2) {
        endPackage();
        return;
      }
      if (line.charAt(1) != ':') {
        return;
      }
      String value = line.substring(2);
      switch (line.charAt(0)) {
        case 'F' -> startDir(value);
        case 'M' -> dirAcl = acl(value, dirAcl);
        case 'R' -> startFile(value);
        case 'a' -> fileAcl = acl(value, fileAcl);
        case 'Z' -> checksum = ApkChecksum.parse(value);
        default -> {}
      }
    }

    void endPackage() {
      endDir();
      dir = null;
    }

    private void startDir(String name) {
      endDir();
      dir = name;
      dirAcl = new Acl(DEFAULT_DIR_MODE, 0, 0);
      dirProtection = protection.dir(name);
      for (String d = name; !d.isEmpty() && known.add(d); d = parent(d)) {
        // every ancestor of a package's directory is referenced by it
      }
    }

    private void endDir() {
      endFile();
      if (dir != null) {
        dirs.merge(dir, dirAcl, Parser::mergeDirAcl);
        dirAcl = null;
      }
    }

    private void startFile(String name) {
      endFile();
      if (dir == null) {
        return;
      }
      file = name;
      fileAcl = new Acl(DEFAULT_FILE_MODE, 0, 0);
      checksum = ApkChecksum.NONE;
    }

    private void endFile() {
      if (file != null && !ProtectedPaths.file(dirProtection, file).isNone()) {
        files.put(dir.isEmpty() ? file : dir + "/" + file, new DbFile(checksum, fileAcl));
      }
      file = null;
    }

    private static Acl mergeDirAcl(Acl current, Acl next) {
      if (next.uid() < current.uid()
          || (next.uid() == current.uid() && next.gid() < current.gid())) {
        return next;
      } else if (next.uid() == current.uid() && next.gid() == current.gid()) {
        return new Acl(current.mode() & next.mode(), current.uid(), current.gid());
      }
      return current;
    }

    /** {@code uid:gid:mode[:xattr-checksum]}; a malformed line keeps the previous value. */
    private static Acl acl(String value, Acl previous) {
      String[] f = value.split(":", 4);
      if (f.length < 3 || previous == null) {
        return previous;
      }
      try {
        return new Acl(
            Integer.parseInt(f[2], 8) & 07777,
            Long.parseLong(f[0]) & NO_ID,
            Long.parseLong(f[1]) & NO_ID);
      } catch (NumberFormatException e) {
        return previous;
      }
    }

    private static String parent(String path) {
      int slash = path.lastIndexOf('/');
      return slash < 0 ? "" : path.substring(0, slash);
    }
  }
}
