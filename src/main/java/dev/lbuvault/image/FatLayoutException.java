package dev.lbuvault.image;

/**
 * A file set that FAT32 cannot hold as asked: a name or path breaking a FAT rule (case-only
 * duplicates, forbidden characters, a trailing dot or space, an over-long name (255 UTF-16 units
 * for FAT, 255 UTF-8 bytes for Linux) or path, too many entries in one directory, a file of 4 GiB
 * or more) or a partition too small for the files. The message names the path (when one is to
 * blame) and the rule, so it can be shown to the user as it is; planning fails before anything is
 * written.
 */
public final class FatLayoutException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String path;

  /**
   * @param path the offending path, or null when no single path is to blame (partition size)
   * @param rule the rule that is broken, without the path
   */
  public FatLayoutException(String path, String rule) {
    super(path == null ? rule : "\"" + path + "\": " + rule);
    this.path = path;
  }

  /** The offending path, or null when the problem is not one path's (e.g. partition too small). */
  public String path() {
    return path;
  }
}
