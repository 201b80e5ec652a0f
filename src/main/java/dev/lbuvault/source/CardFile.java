package dev.lbuvault.source;

import java.nio.file.attribute.FileTime;
import java.util.Objects;

/**
 * One regular file on the card as seen by a scan: its path relative to the card root ('/'
 * separated), size and modification time. Two scans that disagree on size or mtime mean the card
 * changed under us.
 */
public record CardFile(String path, long size, FileTime mtime) {
  public CardFile {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(mtime, "mtime");
    if (path.isEmpty() || path.startsWith("/")) {
      throw new IllegalArgumentException("card path must be relative, got \"" + path + "\"");
    }
    if (size < 0) {
      throw new IllegalArgumentException("size must be >= 0, got " + size);
    }
  }

  /** The file name without directories. */
  public String name() {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? path : path.substring(slash + 1);
  }

  public boolean atRoot() {
    return path.indexOf('/') < 0;
  }
}
