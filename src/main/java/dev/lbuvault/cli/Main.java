package dev.lbuvault.cli;

import dev.lbuvault.daemon.DaemonSettings;
import dev.lbuvault.text.OneLine;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.function.Consumer;
import picocli.CommandLine;

/**
 * The command line: builds picocli's model of the command being run and maps failures to the
 * documented exit codes with a one-line message ({@link FailureReport}). Stack traces are for
 * developers only ({@code LBUVAULT_DEBUG=1}). The jar starts in {@link Start}.
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
      return FailureReport.reportInternal(t, cmd.getErr());
    }
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
   * top-level command holding that subcommand alone, so that a run models only what it runs;
   * otherwise, for help, {@code --version} and errors, {@link #commandLine()}.
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

  /**
   * Parses a {@code daemon} command line and hands its settings to {@code handoff} instead of
   * running the daemon; help, {@code --version}, bad options and a bad configuration file are
   * answered here as {@link #main} answers them. Returns the exit code: 0 once the settings are
   * handed over (or help was printed), else the code of the error printed. {@link Start} calls it
   * in a class loader of its own.
   */
  public static int parseDaemon(String[] args, Consumer<DaemonSettings> handoff) {
    CommandLine cmd = new CommandLine(new LbuvaultCommand());
    cmd.addSubcommand("daemon", new DaemonCommand(handoff));
    configure(cmd);
    PrintWriter out = cmd.getOut(); // fixed before running, as in main
    PrintWriter err = cmd.getErr();
    int code = execute(cmd, args);
    out.flush();
    err.flush();
    return code;
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
    return FailureReport.report(ex, cmd.getErr());
  }
}
