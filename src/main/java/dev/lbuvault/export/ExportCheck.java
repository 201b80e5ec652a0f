package dev.lbuvault.export;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * {@code lbuvault verify --export}: re-reads every file the export directory's index lists and
 * compares the SHA-256 of its ciphertext, without any key. A file missing, changed, cut short or
 * swapped with another is a problem naming the file; a {@code .pgp} file the index does not list (a
 * whole file an interrupted export renamed into place before listing it) is only a note, since
 * nothing counts it as exported and the next export replaces it.
 */
public final class ExportCheck {
  private static final int BUFFER_BYTES = 1 << 16;

  /** The outcome: problems (damage) and notes (harmless leftovers), one line each. */
  public record Result(int files, List<String> problems, List<String> notes) {
    public Result {
      problems = List.copyOf(problems);
      notes = List.copyOf(notes);
    }
  }

  private ExportCheck() {}

  /**
   * Checks {@code dir}.
   *
   * @throws NoSuchFileException if {@code dir} has no index: not an export directory
   */
  public static Result check(Path dir) throws IOException {
    ExportIndex index;
    try {
      index = ExportIndex.read(dir);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(
          dir.resolve(ExportIndex.FILE)
              + " does not exist: "
              + dir
              + " is not an lbuvault export directory");
    }
    List<String> problems = new ArrayList<>();
    Map<String, String> entries = index.entries();
    for (Map.Entry<String, String> e : new java.util.TreeMap<>(entries).entrySet()) {
      Path file = dir.resolve(e.getKey());
      try {
        String actual = sha256(file);
        if (!actual.equals(e.getValue())) {
          problems.add(
              file
                  + ": ciphertext SHA-256 is "
                  + actual
                  + ", the index says "
                  + e.getValue()
                  + " (changed, truncated or swapped)");
        }
      } catch (NoSuchFileException gone) {
        problems.add(file + ": listed in the index but missing");
      }
    }
    List<String> notes = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*" + ExportNames.SUFFIX)) {
      for (Path p : s) {
        if (!entries.containsKey(p.getFileName().toString())) {
          notes.add(
              p + ": not in the index (left by an interrupted export; the next one redoes it)");
        }
      }
    }
    notes.sort(null);
    return new Result(entries.size(), problems, notes);
  }

  static String sha256(Path file) throws IOException {
    MessageDigest md = Exporter.sha256();
    byte[] buffer = new byte[BUFFER_BYTES];
    try (InputStream in = Files.newInputStream(file)) {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        md.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
