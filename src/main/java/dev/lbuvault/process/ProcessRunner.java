package dev.lbuvault.process;

import java.io.IOException;
import java.util.List;

/**
 * Runs an external program to completion. Injected wherever lbuvault calls a tool ({@code btrfs}),
 * so the caller states what it runs and tests can observe it.
 */
public interface ProcessRunner {
  /** Runs {@code command} with no standard input and returns its exit status and output. */
  ProcessResult run(List<String> command) throws IOException;

  /** The runner that starts real processes. */
  static ProcessRunner system() {
    return new SystemProcessRunner();
  }
}
