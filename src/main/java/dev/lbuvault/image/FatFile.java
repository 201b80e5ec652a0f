package dev.lbuvault.image;

import java.nio.file.attribute.FileTime;
import java.util.Objects;

/**
 * One file to place in a FAT filesystem built by {@link FatLayout}: its '/'-separated path relative
 * to the filesystem root (e.g. {@code boot/vmlinuz-rpi}), its size and its modification time. The
 * content is not part of the record: {@link FatWriter#writeFile} streams it later, by path, so a
 * card of any size can be planned without reading a byte of it. Whether FAT can hold the path is
 * decided by {@link FatLayout#plan}, which names the path and the rule it breaks.
 */
public record FatFile(String path, long size, FileTime mtime) {
  public FatFile {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(mtime, "mtime");
    if (path.isEmpty()) {
      throw new IllegalArgumentException("path must not be empty");
    }
    if (size < 0) {
      throw new IllegalArgumentException("size must be >= 0, got " + size + " for " + path);
    }
  }
}
