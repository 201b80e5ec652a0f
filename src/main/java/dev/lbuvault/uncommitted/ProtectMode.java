package dev.lbuvault.uncommitted;

/**
 * How apk treats a protected path ({@code apk-protected_paths(5)}): the line's first character
 * picks the mode. In backup mode {@code apk audit} lists changed files under {@link #CHANGED}, only
 * symlinks under {@link #SYMLINKS_ONLY}, every file under {@link #ALL}, and nothing under {@link
 * #NONE} or {@link #IGNORE}.
 */
enum ProtectMode {
  /** Not protected at all. */
  NONE,
  /** {@code -path}: excluded. */
  IGNORE,
  /** {@code +path} (or no prefix): files that differ from the package database. */
  CHANGED,
  /** {@code @path}: only symlinks that differ (e.g. {@code etc/init.d}'s runlevel links). */
  SYMLINKS_ONLY,
  /** {@code !path}: every file, changed or not. */
  ALL;

  /** apk's {@code apk_protect_mode_none}: nothing under it is backed up. */
  boolean isNone() {
    return this == NONE || this == IGNORE;
  }

  /** The mode a protected_paths line's first character selects; other characters mean CHANGED. */
  static ProtectMode ofPrefix(char c) {
    return switch (c) {
      case '-' -> IGNORE;
      case '@' -> SYMLINKS_ONLY;
      case '!' -> ALL;
      default -> CHANGED;
    };
  }
}
