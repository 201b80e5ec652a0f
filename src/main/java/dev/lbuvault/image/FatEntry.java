package dev.lbuvault.image;

import java.nio.file.attribute.FileTime;
import java.util.Objects;

/**
 * A file or directory found by {@link FatReader#list}: its '/'-separated path from the filesystem
 * root (long names where the directory has them), size in bytes (0 for directories) and
 * modification time, which FAT keeps to 2 seconds and which is read as UTC.
 */
public record FatEntry(String path, long size, FileTime mtime, boolean directory) {
  public FatEntry {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(mtime, "mtime");
    if (size < 0) {
      throw new IllegalArgumentException("size must be >= 0, got " + size);
    }
  }
}
