package dev.lbuvault.repo;

import java.nio.file.Path;

/**
 * Where one host's data lives in the repository: {@code hosts/HOST/current} (the working mirror of
 * the card, never a version) and {@code hosts/HOST/versions/ID}. Temporary names start with a dot,
 * so listing code can tell them from versions.
 */
public record HostArea(String host, Path dir) {
  public HostArea {
    HostNames.requireValid(host);
  }

  public Path current() {
    return dir.resolve("current");
  }

  public Path currentCard() {
    return current().resolve(StoredVersion.CARD_DIR);
  }

  public Path versions() {
    return dir.resolve("versions");
  }

  public Path version(VersionId id) {
    return versions().resolve(id.value());
  }

  /** Where a version is built before the rename that publishes it. */
  public Path partial(VersionId id) {
    return versions().resolve(".partial-" + id.value());
  }

  /**
   * The marker that hides {@code versions/ID} while {@code btrfs receive} fills it: receive names
   * the subvolume itself and a read-only subvolume cannot be renamed into another directory, so a
   * replicated version cannot be built under a temporary name. While this file exists the version
   * is not listed, and the next writer deletes both.
   */
  public Path receiving(VersionId id) {
    return versions().resolve(RECEIVING_PREFIX + id.value());
  }

  /** Names of {@link #receiving} markers start with this. */
  public static final String RECEIVING_PREFIX = ".receiving-";

  /** Where a version is moved before it is deleted, so that it vanishes in one step. */
  public Path deleting(VersionId id) {
    return versions().resolve(".deleting-" + id.value());
  }
}
