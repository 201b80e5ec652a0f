package dev.lbuvault.uncommitted;

import java.time.Instant;
import java.util.Objects;

/**
 * One line of {@code lbu status}: a path {@code lbu commit} would add to, update in or delete from
 * the newest backed-up apkovl.
 *
 * @param kind added, updated or deleted
 * @param path relative to the root, without a leading slash
 * @param changedAt when the change happened, as far as the file system tells: the ctime of the file
 *     (or, for a deleted path, of its nearest existing parent directory)
 */
public record Change(Kind kind, String path, Instant changedAt) {
  /** lbu status's three letters. */
  public enum Kind {
    ADDED('A'),
    UPDATED('U'),
    DELETED('D');

    private final char letter;

    Kind(char letter) {
      this.letter = letter;
    }

    public char letter() {
      return letter;
    }
  }

  public Change {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(changedAt, "changedAt");
    if (path.isEmpty() || path.startsWith("/")) {
      throw new IllegalArgumentException("path must be relative and non-empty: \"" + path + "\"");
    }
  }

  /** The line as lbu status prints it, e.g. {@code U etc/hosts}. */
  public String line() {
    return kind.letter() + " " + path;
  }
}
