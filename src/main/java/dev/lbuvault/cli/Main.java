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
import java.util.Optional;
import picocli.CommandLine;

/**
 * Entry point: builds the picocli command line and maps failures to the documented exit codes with
 * a one-line message. Stack traces are for developers only ({@code LBUVAULT_DEBUG=1}).
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    CommandLine cmd = commandLineFor(args);
    // Fix the writers before running, so every subcommand shares them, and flush them before
    // exiting: output printed without a final newline (the --json documents) would otherwise be
    // lost in the writer's buffer when System.exit ends the JVM.
    PrintWriter out = cmd.getOut();
    PrintWriter err = cmd.getErr();
    int code = execute(cmd, args);
    out.flush();
    err.flush();
    System.exit(code);
  }

  /**
   * Runs {@code cmd} and returns its exit code. picocli hands only {@link Exception}s to the
   * handler; an {@link Error} (a stack overflow, an assertion, out of memory) would end the main
   * thread with a stack trace and leave the exit code to whatever other threads keep running (the
   * daemon's HTTP server answering 503 forever). Here it is one "internal error" line and exit 1.
   */
  public static int execute(CommandLine cmd, String[] args) {
    try {
      return cmd.execute(args);
    } catch (Throwable t) { // NOPMD: the last line of defence, by design
      PrintWriter err = cmd.getErr();
      err.println("lbuvault: " + internalError(t));
      if ("1".equals(System.getenv("LBUVAULT_DEBUG"))) {
        t.printStackTrace(err);
      }
      err.flush();
      return ExitCodes.FAILURE;
    }
  }

  private static String internalError(Throwable t) {
    return OneLine.escape(
        "internal error: " + t + " (set LBUVAULT_DEBUG=1 for details, and report it)");
  }

  /** The configured command line with every subcommand; tests call {@code execute} on it. */
  public static CommandLine commandLine() {
    CommandLine cmd = new CommandLine(new LbuvaultCommand());
    for (LbuvaultCommand.Subcommand s : LbuvaultCommand.SUBCOMMANDS) {
      cmd.addSubcommand(s.name(), s.type());
    }
    return configure(cmd);
  }

  /**
   * The command line to run {@code args} with: when they start with a subcommand's name, the
   * top-level command holding that subcommand alone, so that a run models (and the daemon keeps in
   * memory for months) only what it runs; otherwise, for help, {@code --version} and errors, {@link
   * #commandLine()}.
   */
  public static CommandLine commandLineFor(String... args) {
    Optional<LbuvaultCommand.Subcommand> sub =
        args.length == 0 ? Optional.empty() : LbuvaultCommand.subcommand(args[0]);
    if (sub.isEmpty()) {
      return commandLine();
    }
    CommandLine cmd = new CommandLine(new LbuvaultCommand());
    cmd.addSubcommand(sub.get().name(), sub.get().type());
    return configure(cmd);
  }

  private static CommandLine configure(CommandLine cmd) {
    cmd.setExecutionExceptionHandler(Main::handle);
    cmd.setParameterExceptionHandler(
        (ex, args) -> {
          if (asksForHelp(args)) {
            // --help wins over anything else on the line (a missing --repo, an unknown option):
            // whoever typed it wants the usage, not a complaint.
            CommandLine sub = ex.getCommandLine();
            sub.usage(sub.getOut());
            sub.getOut().flush();
            return ExitCodes.OK;
          }
          PrintWriter err = ex.getCommandLine().getErr();
          err.println("lbuvault: " + OneLine.escape(ex.getMessage()));
          err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
          return ExitCodes.USAGE;
        });
    return cmd;
  }

  /** True when {@code -h} or {@code --help} is among the options (before a {@code --}). */
  static boolean asksForHelp(String[] args) {
    for (String a : args) {
      if ("--".equals(a)) {
        return false;
      }
      if ("--help".equals(a) || "-h".equals(a)) {
        return true;
      }
    }
    return false;
  }

  private static int handle(Exception ex, CommandLine cmd, CommandLine.ParseResult parseResult) {
    PrintWriter err = cmd.getErr();
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
      code = ExitCodes.FAILURE;
      message = internalError(ex);
    }
    err.println(
        "lbuvault: " + OneLine.escape(message == null ? ex.getClass().getSimpleName() : message));
    if ("1".equals(System.getenv("LBUVAULT_DEBUG"))) {
      ex.printStackTrace(err);
    }
    err.flush();
    return code;
  }
}
