package dev.lbuvault.repo;

import java.nio.file.Path;

/** One published version on disk: its id and directory, and the fixed names inside it. */
public record StoredVersion(String host, VersionId id, Path dir) {
  public static final String CARD_DIR = "card";
  public static final String SUMS_FILE = "SHA256SUMS";
  public static final String METADATA_FILE = "version.json";

  public Path card() {
    return dir.resolve(CARD_DIR);
  }

  public Path sums() {
    return dir.resolve(SUMS_FILE);
  }

  public Path metadata() {
    return dir.resolve(METADATA_FILE);
  }
}
