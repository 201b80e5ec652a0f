package dev.lbuvault.cli;

import java.util.concurrent.Callable;

/**
 * For commands whose exit 1 means "there are differences" ({@code diff}, {@code status}), as {@code
 * diff(1)}'s does: every failure of their work becomes exit 2 with its one-line message, so a
 * script never reads trouble as "changed".
 */
final class DiffStyleExit {
  static final int TROUBLE = 2;

  private DiffStyleExit() {}

  /** {@code work}'s result, or a {@link CommandFailure} with exit 2 and its message. */
  static <T> T troubleIsTwo(Callable<T> work) throws CommandFailure {
    try {
      return work.call();
    } catch (CommandFailure f) {
      throw new CommandFailure(TROUBLE, f.getMessage());
    } catch (Exception e) {
      throw new CommandFailure(
          TROUBLE, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    }
  }
}
