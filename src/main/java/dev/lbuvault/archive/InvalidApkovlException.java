package dev.lbuvault.archive;

import java.nio.file.Path;

/**
 * An apkovl that cannot be trusted for a restore: damaged, truncated, unsafe to extract, or not an
 * apkovl at all. The message is one line meant for the user, naming the file, the defect and what
 * to do about it, so callers can print it as it is without a stack trace.
 */
public final class InvalidApkovlException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Not serializable, and a Path needs no serialization here: the message carries the name. */
  private final transient Path file;

  private final String defect;

  /**
   * @param file the apkovl that failed validation
   * @param defect what is wrong, without the file name, e.g. {@code "no etc/ entry: not an apkovl"}
   * @param advice what the user can do, or null
   */
  public InvalidApkovlException(Path file, String defect, String advice) {
    super(file.getFileName() + ": " + defect + (advice == null ? "" : ": " + advice));
    this.file = file;
    this.defect = defect;
  }

  /** The apkovl that failed validation; null only after deserialization. */
  public Path file() {
    return file;
  }

  /** What is wrong with the file, without the file name or advice. */
  public String defect() {
    return defect;
  }
}
