package dev.lbuvault.device;

/**
 * Thrown when a path given as a target disk is not a block device: a regular file, a character
 * device such as {@code /dev/null}, a directory or nothing at all. It is a checked exception
 * because the caller must turn it into advice (an image file is written by giving a path outside
 * {@code /dev}), not a stack trace. The message names the path and what it is instead.
 */
public final class NotABlockDeviceException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Kept as text: a {@link java.nio.file.Path} is not serializable. */
  private final String path;

  public NotABlockDeviceException(String path, String whatItIs) {
    super(path + " " + whatItIs);
    this.path = path;
  }

  /** The path as the caller gave it. */
  public String path() {
    return path;
  }
}
