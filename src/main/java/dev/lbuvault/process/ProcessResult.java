package dev.lbuvault.process;

import java.util.List;

/** What a finished external program left behind: its command line, exit status and output. */
public record ProcessResult(List<String> command, int exitCode, String stdout, String stderr) {
  public ProcessResult {
    command = List.copyOf(command);
    stdout = stdout == null ? "" : stdout;
    stderr = stderr == null ? "" : stderr;
  }

  public boolean succeeded() {
    return exitCode == 0;
  }

  /** One line for an error message: the command, its status and the first line it printed. */
  public String describeFailure() {
    String firstLine = (stderr.isBlank() ? stdout : stderr).strip().lines().findFirst().orElse("");
    return String.join(" ", command)
        + " exited "
        + exitCode
        + (firstLine.isEmpty() ? "" : ": " + firstLine);
  }
}
