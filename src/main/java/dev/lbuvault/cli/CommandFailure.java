package dev.lbuvault.cli;

/** A command's own failure with the exit code it maps to and a message for the user. */
final class CommandFailure extends Exception {
  private static final long serialVersionUID = 1L;
  private final int exitCode;

  CommandFailure(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }
}
