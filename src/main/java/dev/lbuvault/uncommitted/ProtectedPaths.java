package dev.lbuvault.uncommitted;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The protected paths apk reads at start (apk-tools 2.14, {@code database.c}): its built-in {@code
 * +etc}, {@code @etc/init.d}, {@code !etc/apk}, then every {@code etc/apk/protected_paths.d/*.list}
 * under the root, one pattern a line ({@code #} comments, {@code +}/{@code -}/{@code @}/{@code !}
 * prefixes, leading and trailing slashes dropped). Later lines win. apk reads the files in {@code
 * readdir} order, which no one can rely on; lbuvault reads them sorted by name.
 *
 * <p>A directory's protection is computed as apk's {@code apk_db_dir_get} does: it inherits its
 * parent's mode, a pattern without a slash that matches its name sets it, and a pattern whose first
 * component matches passes the rest of the pattern down to its children.
 */
final class ProtectedPaths {
  /** Where the lists live, relative to the root. */
  static final String LIST_DIR = "etc/apk/protected_paths.d";

  /** apk's built-in defaults, read before the lists. */
  static final List<String> APK_DEFAULTS = List.of("+etc", "@etc/init.d", "!etc/apk");

  private final List<Rule> rules;

  /** One pattern of a protected_paths list. */
  record Rule(String pattern, ProtectMode mode) {
    Rule {
      Objects.requireNonNull(pattern, "pattern");
      Objects.requireNonNull(mode, "mode");
    }

    boolean hasSlash() {
      return pattern.indexOf('/') >= 0;
    }
  }

  /**
   * A directory's protection.
   *
   * @param mode what apk does with the files directly in it
   * @param rules the patterns that still apply below it (relative to it)
   * @param hasProtectedChildren whether apk audit descends into it at all
   * @param root whether it is the root, whose own files apk never protects
   */
  record Dir(ProtectMode mode, List<Rule> rules, boolean hasProtectedChildren, boolean root) {
    Dir {
      Objects.requireNonNull(mode, "mode");
      rules = List.copyOf(rules);
    }
  }

  ProtectedPaths(List<Rule> rules) {
    this.rules = List.copyOf(rules);
  }

  /** Reads apk's defaults and the root's lists. */
  static ProtectedPaths load(Path root) throws IOException {
    List<Rule> rules = new ArrayList<>();
    for (String line : APK_DEFAULTS) {
      parse(line).ifPresent(rules::add);
    }
    for (Path list : lists(root.resolve(LIST_DIR))) {
      try (BufferedReader in = Files.newBufferedReader(list, StandardCharsets.UTF_8)) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          parse(line).ifPresent(rules::add);
        }
      }
    }
    return new ProtectedPaths(rules);
  }

  private static List<Path> lists(Path dir) throws IOException {
    TreeSet<Path> found = new TreeSet<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "*.list")) {
      for (Path p : entries) {
        if (Files.isRegularFile(p)) {
          found.add(p);
        }
      }
    } catch (NoSuchFileException | NotDirectoryException e) {
      return List.of();
    }
    return List.copyOf(found);
  }

  /** One line as apk's {@code add_protected_path} reads it; empty for blanks and comments. */
  static java.util.Optional<Rule> parse(String line) {
    if (line.isEmpty() || line.charAt(0) == '#') {
      return java.util.Optional.empty();
    }
    char first = line.charAt(0);
    ProtectMode mode = ProtectMode.ofPrefix(first);
    String path = "+-@!".indexOf(first) >= 0 ? line.substring(1) : line;
    int from = 0;
    int to = path.length();
    while (from < to && path.charAt(from) == '/') {
      from++;
    }
    while (to > from && path.charAt(to - 1) == '/') {
      to--;
    }
    return java.util.Optional.of(new Rule(path.substring(from, to), mode));
  }

  /** The root directory. */
  Dir root() {
    return new Dir(ProtectMode.NONE, rules, true, true);
  }

  /** The protection of {@code parent}'s subdirectory {@code name}. */
  static Dir child(Dir parent, String name) {
    ProtectMode mode = parent.mode();
    boolean protectedChildren = !mode.isNone();
    List<Rule> below = new ArrayList<>();
    for (Rule r : parent.rules()) {
      int slash = r.pattern().indexOf('/');
      if (slash >= 0) {
        if (!Glob.matches(r.pattern().substring(0, slash), name)) {
          continue;
        }
        below.add(new Rule(r.pattern().substring(slash + 1), r.mode()));
      } else {
        if (!Glob.matches(r.pattern(), name)) {
          continue;
        }
        mode = r.mode();
      }
      protectedChildren |= !r.mode().isNone();
    }
    return new Dir(mode, below, protectedChildren, false);
  }

  /** The protection of file {@code name} directly in {@code dir} (apk's last matching pattern). */
  static ProtectMode file(Dir dir, String name) {
    if (dir.root()) {
      return ProtectMode.NONE;
    }
    ProtectMode mode = dir.mode();
    for (Rule r : dir.rules()) {
      if (!r.hasSlash() && Glob.matches(r.pattern(), name)) {
        mode = r.mode();
      }
    }
    return mode;
  }

  /** The protection of the directory at {@code path} ("a/b/c", relative to the root). */
  Dir dir(String path) {
    Dir d = root();
    if (path.isEmpty()) {
      return d;
    }
    for (String part : path.split("/", -1)) {
      d = child(d, part);
    }
    return d;
  }
}
