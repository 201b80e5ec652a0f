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

  /**
   * Runs {@code producer | consumer} (such as {@code btrfs send | btrfs receive}): the bytes flow
   * between the two processes through a kernel pipe, never through this JVM's heap. Returns both
   * results, producer first; stdout of the consumer and both stderrs are captured, so use it for
   * tools that print little.
   */
  List<ProcessResult> pipe(List<String> producer, List<String> consumer) throws IOException;

  /** The runner that starts real processes. */
  static ProcessRunner system() {
    return new SystemProcessRunner();
  }
}
