package dev.lbuvault.diff;

import java.util.List;
import java.util.Objects;

/**
 * How the content of a changed apkovl member is shown.
 *
 * @param kind what could be shown
 * @param unifiedLines the {@code diff -u} lines for {@link Kind#TEXT}; empty otherwise
 * @param oldSizeBytes the older content's size; -1 if the member was not a file before
 * @param newSizeBytes the newer content's size; -1 if the member is not a file now
 */
public record ContentChange(
    Kind kind, List<String> unifiedLines, long oldSizeBytes, long newSizeBytes) {

  /** What {@code diff} says about the content. */
  public enum Kind {
    /** Same content (only mode, owner or link target changed), or not a regular file. */
    UNCHANGED,
    /** Text shown as a unified diff. */
    TEXT,
    /** Binary content: sizes only. */
    BINARY,
    /** A secret: named as changed, never shown without {@code --show-secrets}. */
    SECRET,
    /** Text too large or too different to show within bounded memory: sizes only. */
    TOO_LARGE
  }

  public ContentChange {
    Objects.requireNonNull(kind, "kind");
    unifiedLines = List.copyOf(unifiedLines);
    if (kind != Kind.TEXT && !unifiedLines.isEmpty()) {
      throw new IllegalArgumentException("only a TEXT change has diff lines, not " + kind);
    }
  }

  static ContentChange unchanged() {
    return new ContentChange(Kind.UNCHANGED, List.of(), -1, -1);
  }
}
