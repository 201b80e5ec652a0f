package dev.lbuvault.cli;

import dev.lbuvault.archive.InvalidApkovlException;
import dev.lbuvault.recover.RecoverRefusedException;
import dev.lbuvault.recover.VerificationFailedException;
import dev.lbuvault.repo.RepositoryException;
import dev.lbuvault.source.SourceBusyException;
import dev.lbuvault.source.SourceException;
import java.io.IOException;
import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * Entry point: builds the picocli command line and maps failures to the documented exit codes with
 * a one-line message. Stack traces are for developers only ({@code LBUVAULT_DEBUG=1}).
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    CommandLine cmd = commandLine();
    // Fix the writers before running, so every subcommand shares them, and flush them before
    // exiting: output printed without a final newline (the --json documents) would otherwise be
    // lost in the writer's buffer when System.exit ends the JVM.
    PrintWriter out = cmd.getOut();
    PrintWriter err = cmd.getErr();
    int code = cmd.execute(args);
    out.flush();
    err.flush();
    System.exit(code);
  }

  /** The configured command line; tests call {@code execute} on it. */
  public static CommandLine commandLine() {
    CommandLine cmd = new CommandLine(new LbuvaultCommand());
    cmd.setExecutionExceptionHandler(Main::handle);
    cmd.setParameterExceptionHandler(
        (ex, args) -> {
          PrintWriter err = ex.getCommandLine().getErr();
          err.println("lbuvault: " + ex.getMessage());
          err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
          return ExitCodes.USAGE;
        });
    return cmd;
  }

  private static int handle(Exception ex, CommandLine cmd, CommandLine.ParseResult parseResult) {
    PrintWriter err = cmd.getErr();
    int code;
    String message = ex.getMessage();
    if (ex instanceof SourceBusyException) {
      code = ExitCodes.BUSY;
    } else if (ex instanceof RecoverRefusedException) {
      code = ExitCodes.UNSAFE;
    } else if (ex instanceof VerificationFailedException) {
      code = ExitCodes.FAILURE;
    } else if (ex instanceof CommandFailure f) {
      code = f.exitCode();
    } else if (ex instanceof IllegalArgumentException) {
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
      code = ExitCodes.FAILURE;
      message = "internal error: " + ex + " (set LBUVAULT_DEBUG=1 for details, and report it)";
    }
    err.println("lbuvault: " + (message == null ? ex.getClass().getSimpleName() : message));
    if ("1".equals(System.getenv("LBUVAULT_DEBUG"))) {
      ex.printStackTrace(err);
    }
    err.flush();
    return code;
  }
}
