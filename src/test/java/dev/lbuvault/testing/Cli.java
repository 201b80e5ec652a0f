package dev.lbuvault.testing;

import dev.lbuvault.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs the real CLI in-process, as picocli's testing guide does, and captures what it prints. */
public final class Cli {
  private Cli() {}

  /** What one CLI run returned and printed. */
  public record Result(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  public static Result run(String... args) {
    CommandLine cmd = Main.commandLineFor(args);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    int code = Main.execute(cmd, args);
    return new Result(code, out.toString(), err.toString());
  }
}
