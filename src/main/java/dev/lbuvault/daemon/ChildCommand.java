package dev.lbuvault.daemon;

import dev.lbuvault.process.Signals;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one lbuvault command ({@code backup --json}, {@code verify --json}, {@code prune --json}) in
 * a short-lived child JVM, so the daemon never loads the classes nor keeps the heap, compiled code
 * and buffers that hashing or walking a card or repository needs: idle, it holds only its
 * scheduler, card watcher and metrics server (docs/monitoring.md#footprint), and the child gets the
 * launcher's normal compilers (C2's SHA-256 intrinsic). The child's standard input is {@code
 * /dev/null}; its argv carries only paths and options, never a password. A child killed by a signal
 * that stops a process is an {@link InterruptedIOException}; one killed by any other (a crash) is
 * an {@link IOException} naming the signal; when the daemon stops, the interrupt ends the child
 * with SIGTERM and waits for it to exit, so the kernel has dropped its repository lock before the
 * caller cleans up.
 */
final class ChildCommand {
  private static final Logger LOG = LoggerFactory.getLogger("lbuvault");

  /** A process killed by signal N exits with 128 + N. */
  private static final int SIGNAL_EXIT = 128;

  private static final String ERROR_PREFIX = "lbuvault: ";
  private static final Duration TERM_GRACE = Duration.ofSeconds(5);

  private final List<String> lbuvault;

  /**
   * @param lbuvault the command that starts lbuvault, e.g. the launcher {@code bin/lbuvault}, to
   *     which each command's arguments are appended
   */
  ChildCommand(List<String> lbuvault) {
    if (lbuvault.isEmpty()) {
      throw new IllegalArgumentException("the lbuvault command is empty");
    }
    this.lbuvault = List.copyOf(lbuvault);
  }

  /** What a child printed and how it exited (it ended by itself, not by a signal). */
  record Exit(int code, String stdout, String stderr) {
    /** The child's one-line error ("lbuvault: ..."), else "lbuvault NAME exited CODE". */
    String error(String name) {
      return lastError(stderr).orElse("lbuvault " + name + " exited " + code);
    }
  }

  /** The full command line for {@code args}. */
  List<String> command(List<String> args) {
    List<String> c = new ArrayList<>(lbuvault);
    c.addAll(args);
    return c;
  }

  /**
   * Runs {@code lbuvault ARGS} to its end.
   *
   * @throws InterruptedIOException when the child was killed by a signal, or the daemon's stop
   *     interrupted this thread (the child then got SIGTERM and is gone)
   * @throws IOException when the child cannot be started or its output read
   */
  Exit run(List<String> args) throws IOException {
    String name = args.isEmpty() ? "" : args.get(0);
    Process child =
        new ProcessBuilder(command(args))
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    FutureTask<String> out = drain(child.getInputStream(), "lbuvault-child-out");
    FutureTask<String> err = drain(child.getErrorStream(), "lbuvault-child-err");
    int code = awaitExit(child, name);
    String stderr = collect(err, name);
    stderr.lines().forEach(l -> LOG.debug("{} child: {}", name, l));
    String stdout = collect(out, name);
    if (code > SIGNAL_EXIT) {
      int signal = code - SIGNAL_EXIT;
      if (!Signals.stops(signal)) {
        // SIGSEGV, SIGABRT (a crashing JVM aborts: exit 134), SIGBUS...: nobody stopped it, so it
        // is a failed run even while the daemon stops, never one abandoned at shutdown.
        throw new IOException(
            "the " + name + "'s child process crashed: killed by " + Signals.describe(signal));
      }
      // Killed (SIGTERM to the daemon's process group at shutdown, or the OOM killer): an
      // interrupted run, which the daemon abandons when it is stopping and counts as failed if not.
      throw new InterruptedIOException(
          "the " + name + "'s child process was killed by " + Signals.describe(signal));
    }
    return new Exit(code, stdout, stderr);
  }

  private static int awaitExit(Process child, String name) throws InterruptedIOException {
    try {
      return child.waitFor();
    } catch (InterruptedException e) {
      // SIGTERM: the child JVM exits at once and leaves at most a .partial-* entry, which the
      // daemon's cleanup (or the next writer) removes once the lock is free, i.e. once it is gone.
      child.destroy();
      try {
        if (!child.waitFor(TERM_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
          child.destroyForcibly().waitFor();
        }
      } catch (InterruptedException again) {
        child.destroyForcibly();
      }
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("the " + name + "'s child process was stopped");
    }
  }

  /** The child's one-line error ("lbuvault: ..."), the last one if several. */
  static Optional<String> lastError(String stderr) {
    String found = null;
    for (String line : stderr.lines().toList()) {
      if (line.startsWith(ERROR_PREFIX)) {
        found = line.substring(ERROR_PREFIX.length());
      }
    }
    return Optional.ofNullable(found);
  }

  private static FutureTask<String> drain(InputStream in, String name) {
    FutureTask<String> task =
        new FutureTask<>(
            () -> {
              try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
              }
            });
    Thread t = new Thread(task, name);
    t.setDaemon(true);
    t.start();
    return task;
  }

  private static String collect(FutureTask<String> task, String name) throws IOException {
    try {
      return task.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(
          "interrupted while reading the " + name + "'s child process");
    } catch (ExecutionException e) {
      throw new IOException(
          "cannot read the " + name + "'s child process: " + e.getCause(), e.getCause());
    }
  }
}
