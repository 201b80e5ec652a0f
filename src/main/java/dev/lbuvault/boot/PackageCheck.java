package dev.lbuvault.boot;

import dev.lbuvault.archive.ApkIndexEntry;
import dev.lbuvault.archive.ApkIndexReader;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which packages an offline boot could not install: the initramfs installs {@code etc/apk/world}
 * from the boot repository ({@code apks/}) and the apk cache ({@code cache/}), so each world
 * package, and everything it depends on, needs its {@code .apk} there. Names and dependencies come
 * from the card's own indexes ({@code apks/<arch>/APKINDEX.tar.gz}, the cache's {@code
 * APKINDEX.*.tar.gz} and {@code installed}), following {@code D:} and resolving names through
 * {@code P:} and {@code p:}; a name no index knows is looked for by file name ({@code
 * <name>-<digit>...apk}). Only records whose {@code .apk} is on the card are kept, so memory is
 * bounded by the card's packages, not by a full repository index in the cache. Version constraints
 * and repository tags ({@code foo>=1.2}, {@code foo@edge}) are ignored: the check is by name.
 */
public final class PackageCheck {
  private static final Pattern NAME = Pattern.compile("^([^=<>~@!\\s]+)");
  private static final Pattern CACHE_HASH = Pattern.compile("\\.[0-9a-fA-F]{8}$");
  private static final String APK = ".apk";
  private static final String BOOT_REPOSITORY = "apks/";
  private static final String CACHE = "cache/";

  private final Set<String> allStems = new HashSet<>();
  private final Set<String> bootStems = new HashSet<>();
  private final Set<String> allFiles = new TreeSet<>();
  private final Set<String> bootFiles = new TreeSet<>();
  private final Map<String, List<ApkIndexEntry>> providers = new HashMap<>();
  private final List<String> problems = new ArrayList<>();

  private PackageCheck() {}

  /**
   * Lists the card's {@code .apk} files among {@code paths} and reads its indexes through {@code
   * files}; an index that cannot be read is a problem ({@link #problems()}), not an exception.
   */
  public static PackageCheck load(Set<String> paths, CardFiles files) {
    PackageCheck c = new PackageCheck();
    for (String p : paths) {
      c.addApk(p);
    }
    for (String p : new TreeSet<>(paths)) {
      if (isIndex(p)) {
        c.readIndex(p, files);
      }
    }
    return c;
  }

  /** Indexes that could not be read, one line each, naming the file. */
  public List<String> problems() {
    return List.copyOf(problems);
  }

  /**
   * The names among {@code roots} (world entries, constraints allowed) and their dependencies with
   * no {@code .apk}: {@code foo} for a root, {@code bar (needed by foo)} for a dependency. With
   * {@code bootRepositoryOnly}, only {@code apks/} counts (what the initramfs has before the apkovl
   * is open).
   */
  public List<String> missing(List<String> roots, boolean bootRepositoryOnly) {
    Set<String> stems = bootRepositoryOnly ? bootStems : allStems;
    Set<String> files = bootRepositoryOnly ? bootFiles : allFiles;
    List<String> missing = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    Deque<String[]> queue = new ArrayDeque<>();
    for (String r : roots) {
      queue.add(new String[] {r, null});
    }
    while (!queue.isEmpty()) {
      String[] next = queue.poll();
      String name = nameOf(next[0]);
      if (name == null || !seen.add(name)) {
        continue;
      }
      ApkIndexEntry chosen = null;
      for (ApkIndexEntry e : providers.getOrDefault(name, List.of())) {
        if (stems.contains(e.fileStem())) {
          chosen = e;
          break;
        }
      }
      if (chosen != null) {
        for (String d : chosen.depends()) {
          queue.add(new String[] {d, chosen.name()});
        }
      } else if (!hasFileNamed(files, name)) {
        missing.add(next[1] == null ? name : name + " (needed by " + next[1] + ")");
      }
    }
    return missing;
  }

  /** The package name of a world entry or dependency; null for a conflict ({@code !foo}). */
  static String nameOf(String token) {
    Matcher m = NAME.matcher(token);
    return token.startsWith("!") || !m.find() ? null : m.group(1);
  }

  private void addApk(String path) {
    boolean boot = path.startsWith(BOOT_REPOSITORY);
    if (!(boot || path.startsWith(CACHE)) || !path.endsWith(APK)) {
      return;
    }
    String file = path.substring(path.lastIndexOf('/') + 1);
    String stem = file.substring(0, file.length() - APK.length());
    allFiles.add(file);
    allStems.add(stem);
    if (boot) {
      bootFiles.add(file);
      bootStems.add(stem);
    } else {
      // apk names cached files <name>-<version>.<8 hex of the repository>.apk
      allStems.add(CACHE_HASH.matcher(stem).replaceFirst(""));
    }
  }

  private static boolean isIndex(String path) {
    String file = path.substring(path.lastIndexOf('/') + 1);
    if (path.startsWith(BOOT_REPOSITORY)) {
      return file.equals("APKINDEX.tar.gz");
    }
    return path.startsWith(CACHE)
        && path.indexOf('/', CACHE.length()) < 0
        && (file.equals("installed") || file.startsWith("APKINDEX.") && file.endsWith(".tar.gz"));
  }

  private void readIndex(String path, CardFiles files) {
    ApkIndexReader.Sink keep =
        e -> {
          if (allStems.contains(e.fileStem())) {
            add(e.name(), e);
            for (String p : e.provides()) {
              String n = nameOf(p);
              if (n != null) {
                add(n, e);
              }
            }
          }
        };
    try (InputStream in = files.open(path)) {
      if (in == null) {
        return;
      }
      if (path.endsWith(".tar.gz")) {
        ApkIndexReader.readTarGz(in, path, keep);
      } else {
        ApkIndexReader.readText(in, path, keep);
      }
    } catch (IOException e) {
      String m = e.getMessage() == null ? e.toString() : e.getMessage();
      problems.add(
          (m.startsWith(path) ? m : path + " cannot be read: " + m)
              + " (apk cannot install from it)");
    }
  }

  private void add(String name, ApkIndexEntry e) {
    List<ApkIndexEntry> list = providers.computeIfAbsent(name, k -> new ArrayList<>(1));
    if (!list.contains(e)) {
      list.add(e);
    }
  }

  private static boolean hasFileNamed(Set<String> files, String name) {
    for (String apk : files) {
      if (apk.length() > name.length() + 1
          && apk.startsWith(name + "-")
          && Character.isDigit(apk.charAt(name.length() + 1))) {
        return true;
      }
    }
    return false;
  }
}
