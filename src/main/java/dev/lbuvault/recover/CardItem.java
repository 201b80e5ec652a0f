package dev.lbuvault.recover;

import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Objects;

/**
 * One file the rebuilt card will hold: its path on the card, size, mtime, and where its bytes come
 * from: a file of the version ({@code versionFile}) or, when null, the Alpine release tarball.
 */
public record CardItem(String path, long size, FileTime mtime, Path versionFile) {
  public CardItem {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(mtime, "mtime");
    if (size < 0) {
      throw new IllegalArgumentException("size must be >= 0, got " + size);
    }
  }

  public boolean fromRelease() {
    return versionFile == null;
  }
}
