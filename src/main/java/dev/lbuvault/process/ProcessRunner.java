package dev.lbuvault.process;

import java.io.IOException;
import java.util.List;

/**
 * Runs an external program to completion. Injected wherever lbuvault calls a tool ({@code btrfs}),
 * so the caller states what it runs and tests can observe it.
 */
public interface ProcessRunner {
  /** Where the first command of a pipeline reads from. */
  enum Input {
    /** Nothing: {@code /dev/null}. */
    NONE,
    /** This JVM's own standard input (the far side of {@code ssh}, for {@code receive}). */
    INHERIT
  }

  /** Runs {@code command} with no standard input and returns its exit status and output. */
  ProcessResult run(List<String> command) throws IOException;

  /**
   * Runs {@code commands[0] | commands[1] | ...} (one command or more) (such as {@code btrfs send |
   * zstd | ssh}): the bytes flow between the processes through kernel pipes, never through this
   * JVM's heap. Returns every result in order; stdout of the last command and every stderr are
   * captured, so use it for tools that print little.
   */
  List<ProcessResult> pipeline(List<List<String>> commands, Input input) throws IOException;

  /** {@code producer | consumer}, the producer reading nothing; see {@link #pipeline}. */
  default List<ProcessResult> pipe(List<String> producer, List<String> consumer)
      throws IOException {
    return pipeline(List.of(producer, consumer), Input.NONE);
  }

  /**
   * Starts {@code command} with its standard input, output and error as pipes to this JVM, for a
   * tool whose output is streamed (a remote {@code tar} over ssh): the caller reads and closes the
   * streams and waits for the process.
   */
  Process start(List<String> command) throws IOException;

  /** The runner that starts real processes. */
  static ProcessRunner system() {
    return new SystemProcessRunner();
  }
}
