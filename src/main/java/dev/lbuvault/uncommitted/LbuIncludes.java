package dev.lbuvault.uncommitted;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Set;

/**
 * lbu's include list, {@code etc/apk/protected_paths.d/lbu.list} ({@code lbu include} writes {@code
 * +path}, {@code lbu exclude} writes {@code -path}). The file is also one of apk's protected path
 * lists, which is how its lines take effect in {@code apk audit}; in addition lbu's {@code
 * _gen_filelist} archives every {@code +} line that names a symlink or an existing non-directory,
 * whether or not it differs from its package.
 */
final class LbuIncludes {
  /** The list, relative to the root. */
  static final String PATH = ProtectedPaths.LIST_DIR + "/lbu.list";

  private LbuIncludes() {}

  /** Adds the included files that exist to {@code listed} (relative paths). */
  static void addTo(Path root, Set<String> listed) throws IOException {
    try (BufferedReader in = Files.newBufferedReader(root.resolve(PATH), StandardCharsets.UTF_8)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (!line.startsWith("+")) {
          continue;
        }
        // tar drops the leading slashes of a hand-written "+/etc/x", as lbu include does.
        String path = line.substring(1).replaceFirst("^/+", "");
        if (path.isEmpty()) {
          continue;
        }
        Path p = root.resolve(path);
        if (Files.isSymbolicLink(p) || (Files.exists(p) && !Files.isDirectory(p))) {
          listed.add(path.replaceFirst("/+$", ""));
        }
      }
    } catch (NoSuchFileException e) {
      // no list: nothing included
    }
  }
}
