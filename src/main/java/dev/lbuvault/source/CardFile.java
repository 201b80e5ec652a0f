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

  // equals and hashCode written out: a record's generated ones bootstrap method handles on first
  // use, and an unchanged card's backup compares two scans' thousand files on a cold JVM, where
  // that bootstrap and the interpreted method-handle calls were a tenth of its run
  // (docs/benchmarks.md, item 9).
  @Override
  public boolean equals(Object o) {
    return o instanceof CardFile f
        && size == f.size
        && path.equals(f.path)
        && mtime.equals(f.mtime);
  }

  @Override
  public int hashCode() {
    return (path.hashCode() * 31 + Long.hashCode(size)) * 31 + mtime.hashCode();
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
