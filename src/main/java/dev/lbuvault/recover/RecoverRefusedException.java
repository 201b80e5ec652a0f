package dev.lbuvault.recover;

import java.util.List;

/**
 * Recovery was refused before anything was written: the target is unsafe (mounted, a partition, too
 * small, ...), the version cannot boot, or the tree cannot be put on FAT. Maps to exit code 3.
 */
public final class RecoverRefusedException extends Exception {
  private static final long serialVersionUID = 1L;

  public RecoverRefusedException(String message) {
    super(message);
  }

  public RecoverRefusedException(List<String> reasons) {
    super(String.join("; ", reasons) + "; nothing was written");
  }
}
