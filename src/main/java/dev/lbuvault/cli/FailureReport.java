package dev.lbuvault.cli;

import dev.lbuvault.archive.InvalidApkovlException;
import dev.lbuvault.config.ConfigException;
import dev.lbuvault.recover.RecoverRefusedException;
import dev.lbuvault.recover.VerificationFailedException;
import dev.lbuvault.replicate.RemoteTargetException;
import dev.lbuvault.repo.RepositoryException;
import dev.lbuvault.source.RemoteSourceException;
import dev.lbuvault.source.SourceBusyException;
import dev.lbuvault.source.SourceException;
import dev.lbuvault.text.OneLine;
import java.io.IOException;
import java.io.PrintWriter;

/**
 * Turns a failed command's exception into its documented exit code (docs/cli.md) and one line on
 * stderr; a stack trace only with {@code LBUVAULT_DEBUG=1}. It uses no picocli type, so that {@link
 * Start} can report a daemon that fails after picocli's class loader is gone.
 */
final class FailureReport {
  private FailureReport() {}

  /** Prints {@code ex} to {@code err} as one line and returns its exit code. */
  static int report(Exception ex, PrintWriter err) {
    int code;
    String message = ex.getMessage();
    if (ex instanceof SourceBusyException) {
      code = ExitCodes.BUSY;
    } else if (ex instanceof RemoteSourceException r) {
      code =
          switch (r.kind()) {
            case UNREACHABLE -> ExitCodes.SSH_UNREACHABLE;
            case AUTHENTICATION -> ExitCodes.SSH_REFUSED;
            case MISSING_PATH -> ExitCodes.SSH_NO_PATH;
            case TRANSFER -> ExitCodes.SSH_TRANSFER;
          };
    } else if (ex instanceof RemoteTargetException r) {
      code =
          switch (r.kind()) {
            case UNREACHABLE -> ExitCodes.SSH_UNREACHABLE;
            case REFUSED -> ExitCodes.SSH_REFUSED;
            case NO_PATH -> ExitCodes.SSH_NO_PATH;
            case TRANSFER -> ExitCodes.SSH_TRANSFER;
          };
    } else if (ex instanceof RecoverRefusedException) {
      code = ExitCodes.UNSAFE;
    } else if (ex instanceof VerificationFailedException) {
      code = ExitCodes.FAILURE;
    } else if (ex instanceof CommandFailure f) {
      code = f.exitCode();
    } else if (ex instanceof ConfigException) {
      // The configuration file is part of the command line: a bad value there is a usage error.
      code = ExitCodes.USAGE;
    } else if (ex instanceof RepositoryException
        || ex instanceof SourceException
        || ex instanceof InvalidApkovlException
        || ex instanceof IOException) {
      code = ExitCodes.FAILURE;
      if (ex instanceof java.nio.file.NoSuchFileException n) {
        message = "no such file or directory: " + n.getFile();
      } else if (ex instanceof java.nio.file.AccessDeniedException a) {
        message = "permission denied: " + a.getFile();
      } else if (message != null && message.contains("No space left on device")) {
        message = message + " (a filesystem is full: free space on it, then retry)";
      }
    } else {
      return reportInternal(ex, err);
    }
    err.println(
        "lbuvault: " + OneLine.escape(message == null ? ex.getClass().getSimpleName() : message));
    if ("1".equals(System.getenv("LBUVAULT_DEBUG"))) {
      ex.printStackTrace(err);
    }
    err.flush();
    return code;
  }

  /**
   * Prints the line for a failure no exit code was chosen for (a bug, an {@link Error}), which asks
   * for a report, and returns exit code 1.
   */
  static int reportInternal(Throwable t, PrintWriter err) {
    err.println(
        "lbuvault: "
            + OneLine.escape(
                "internal error: " + t + " (set LBUVAULT_DEBUG=1 for details, and report it)"));
    if ("1".equals(System.getenv("LBUVAULT_DEBUG"))) {
      t.printStackTrace(err);
    }
    err.flush();
    return ExitCodes.FAILURE;
  }
}
