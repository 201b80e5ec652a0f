package dev.lbuvault.boot;

import java.io.IOException;
import java.io.InputStream;

/**
 * Opens a file of a card by its card-relative path, wherever the card lives: a version's mirror, a
 * FAT image, a version being recovered. Returns null when the file's bytes are not at hand (a file
 * that will come from a release tarball), so the caller works from names alone.
 */
@FunctionalInterface
public interface CardFiles {
  InputStream open(String path) throws IOException;

  /** No bytes at hand for any file. */
  static CardFiles none() {
    return path -> null;
  }
}
