package dev.lbuvault.source;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
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
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
              String rel = relative(root, file);
              if (rel.endsWith(".new")) {
                inProgress.add(rel);
              } else if (attrs.isRegularFile()) {
                files.add(new CardFile(rel, attrs.size(), attrs.lastModifiedTime()));
              } else {
                skipped.add(rel);
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
              throw exc;
            }
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

  static String relative(Path root, Path file) {
    StringBuilder sb = new StringBuilder();
    for (Path part : root.relativize(file)) {
      if (sb.length() > 0) {
        sb.append('/');
      }
      sb.append(part);
    }
    return sb.toString();
  }
}
