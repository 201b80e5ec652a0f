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
 * Lists the card's files with their sizes and mtimes, by stat only (no content is read). It never
 * follows symlinks and never writes: the card is the user's and may be mounted read-only.
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
    List<String> inProgress = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    try {
      TreeWalker.walk(
          root,
          e -> {
            if (e.isDirectory()) {
              return true;
            }
            if (e.path().endsWith(".new")) {
              inProgress.add(e.path());
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
    return new CardScan(files, inProgress, skipped);
  }
}
