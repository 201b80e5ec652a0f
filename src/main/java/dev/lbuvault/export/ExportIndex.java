package dev.lbuvault.export;

import dev.lbuvault.fs.SecureFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The export directory's {@code SHA256SUMS}: the SHA-256 of every exported file's ciphertext, in
 * the format {@code sha256sum -c} reads, so the copies can be checked without the secret key, by
 * lbuvault or by coreutils alone. A file counts as exported only once it is listed here; the index
 * is replaced atomically after each file is in place.
 */
public final class ExportIndex {
  public static final String FILE = "SHA256SUMS";
  private static final Pattern LINE = Pattern.compile("([0-9a-f]{64})  ([0-9a-f]{32}\\.pgp)");

  private final Path dir;
  private final Map<String, String> sha256ByName;

  private ExportIndex(Path dir, Map<String, String> sha256ByName) {
    this.dir = dir;
    this.sha256ByName = sha256ByName;
  }

  /** The index of {@code dir}, empty when the directory has none yet. */
  public static ExportIndex readOrEmpty(Path dir) throws IOException {
    try {
      return read(dir);
    } catch (NoSuchFileException e) {
      return new ExportIndex(dir, new TreeMap<>());
    }
  }

  /**
   * The index of {@code dir}.
   *
   * @throws NoSuchFileException if there is none: not an export directory
   * @throws IOException naming the first malformed line
   */
  public static ExportIndex read(Path dir) throws IOException {
    Path file = dir.resolve(FILE);
    Map<String, String> entries = new TreeMap<>();
    int n = 0;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      n++;
      if (line.isEmpty()) {
        continue;
      }
      var m = LINE.matcher(line);
      if (!m.matches() || entries.put(m.group(2), m.group(1)) != null) {
        throw new IOException(
            file
                + " line "
                + n
                + ": not \"SHA256  NAME.pgp\" or a name given twice: damaged index");
      }
    }
    return new ExportIndex(dir, entries);
  }

  public Map<String, String> entries() {
    return Map.copyOf(sha256ByName);
  }

  public boolean contains(String name) {
    return sha256ByName.containsKey(name);
  }

  /** Records {@code name} and replaces the index on disk atomically. */
  public void put(String name, String sha256) throws IOException {
    sha256ByName.put(name, sha256);
    StringBuilder text = new StringBuilder();
    sha256ByName.forEach((n, s) -> text.append(s).append("  ").append(n).append('\n'));
    SecureFiles.writeAtomically(dir.resolve(FILE), text.toString(), SecureFiles.FILE_MODE);
  }
}
