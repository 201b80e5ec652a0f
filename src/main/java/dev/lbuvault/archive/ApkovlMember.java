package dev.lbuvault.archive;

import java.util.Objects;

/**
 * One member of a plaintext apkovl as {@code tar -tvz} would describe it: what {@code lbuvault
 * diff} compares between two versions. The content is represented by its size and SHA-256 only; the
 * bytes themselves are read again, bounded, for the members whose text is shown.
 *
 * @param name the member name as stored, without a trailing slash
 * @param kind what the member is
 * @param mode permission bits (e.g. 0644)
 * @param owner {@code user:group} names, or the numeric ids where the archive has no names
 * @param linkTarget the symlink or hard-link target; empty for other kinds
 * @param sizeBytes the content size of a regular file; 0 for other kinds
 * @param sha256 the content's SHA-256 for a regular file; empty for other kinds
 */
public record ApkovlMember(
    String name,
    Kind kind,
    int mode,
    String owner,
    String linkTarget,
    long sizeBytes,
    String sha256) {

  /** The member types that matter when comparing configuration. */
  public enum Kind {
    FILE,
    DIRECTORY,
    SYMLINK,
    HARDLINK,
    OTHER
  }

  public ApkovlMember {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(linkTarget, "linkTarget");
    Objects.requireNonNull(sha256, "sha256");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("empty member name");
    }
    if (sizeBytes < 0) {
      throw new IllegalArgumentException("negative size " + sizeBytes + " for " + name);
    }
  }

  /** Whether others may read it: lbu keeps a secret's mode, so this flags shadow files and keys. */
  public boolean readableByOthers() {
    return (mode & 0004) != 0;
  }
}
