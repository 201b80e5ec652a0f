package dev.lbuvault.source;

import dev.lbuvault.fs.TreeWalker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Lists the card's files and directories with their sizes and mtimes, by stat only (no content is
 * read). It never follows symlinks and never writes: the card is the user's and may be mounted
 * read-only. A name that cannot be recorded (not valid in the file-name encoding) is reported, not
 * fatal: one odd name must not stop the card from being backed up.
 */
public final class CardScanner {
  /**
   * Scans {@code root}.
   *
   * @throws SourceBusyException when a file vanishes mid-scan (lbu commit renames and deletes)
   * @throws SourceException when the card is missing, not a directory, or vanishes mid-scan
   */
  public CardScan scan(Path root) throws SourceException {
    if (!Files.isDirectory(root)) {
      throw new SourceException(
          "source "
              + root
              + " is not a directory: is the card mounted? (give the mount point with --source)");
    }
    List<CardFile> files = new ArrayList<>();
    List<String> directories = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    List<String> badNames = new ArrayList<>();
    try {
      TreeWalker.walk(
          root,
          e -> {
            if (!e.nameIntact()) {
              badNames.add(escaped(root, e.file()));
              return false;
            }
            if (e.isDirectory()) {
              directories.add(e.path());
            } else if (e.isFile()) {
              files.add(new CardFile(e.path(), e.size(), e.mtime()));
            } else {
              skipped.add(e.path());
            }
            return true;
          });
    } catch (NoSuchFileException e) {
      if (!Files.isDirectory(root)) {
        throw new SourceException(
            "source " + root + " vanished while it was read: is the card mounted?", e);
      }
      // lbu commit deletes and renames apkovls (and rotated copies) as it goes: busy, retry.
      throw new SourceBusyException(e.getFile() + " vanished while the card was scanned");
    } catch (IOException e) {
      throw new SourceException("cannot read source " + root + ": " + e.getMessage(), e);
    }
    files.sort(Comparator.comparing(CardFile::path));
    return new CardScan(files, directories, skipped, badNames);
  }

  /**
   * The path below {@code root} with every byte outside printable ASCII as {@code \xHH}: the file
   * URI keeps the name's real bytes (percent-encoded), whatever the file-name encoding.
   */
  static String escaped(Path root, Path file) {
    String rootUri = root.toUri().getRawPath();
    String raw = file.toUri().getRawPath();
    if (raw.endsWith("/")) {
      raw = raw.substring(0, raw.length() - 1);
    }
    String rel = raw.startsWith(rootUri) ? raw.substring(rootUri.length()) : raw;
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < rel.length(); i++) {
      char c = rel.charAt(i);
      if (c == '%' && i + 2 < rel.length()) {
        int b = Integer.parseInt(rel.substring(i + 1, i + 3), 16);
        if (b >= 0x21 && b < 0x7f && b != '\\') {
          out.append((char) b);
        } else {
          out.append(String.format("\\x%02X", b));
        }
        i += 2;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
