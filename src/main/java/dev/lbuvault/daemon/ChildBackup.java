package dev.lbuvault.daemon;

import dev.lbuvault.backup.BackupOutcome;
import dev.lbuvault.backup.BackupRequest;
import dev.lbuvault.backup.BackupResult;
import dev.lbuvault.json.JsonException;
import dev.lbuvault.json.JsonObject;
import dev.lbuvault.repo.VersionId;
import dev.lbuvault.source.CardLocation;
import dev.lbuvault.source.SourceBusyException;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
 * Runs one backup as {@code lbuvault backup --json} in a short-lived child JVM, so the daemon never
 * loads the backup's classes nor keeps the heap, compiled code and buffers a backup needs: idle, it
 * holds only its scheduler, card watcher and metrics server (docs/monitoring.md#footprint). The
 * child prints its result as JSON; its exit status 5 (lbu is writing the card) becomes a {@link
 * SourceBusyException}, any other failure an {@link IOException} carrying the child's one-line
 * error. When the daemon stops, the interrupt ends the child with SIGTERM and waits for it to exit,
 * so the kernel has dropped its repository lock before the caller cleans up.
 */
final class ChildBackup implements BackupRunner {
  private static final Logger LOG = LoggerFactory.getLogger("lbuvault");

  /** {@code ExitCodes.BUSY} of the command line, which the core does not import. */
  static final int BUSY_EXIT = 5;

  /** A process killed by signal N exits with 128 + N. */
  private static final int SIGNAL_EXIT = 128;

  private static final String ERROR_PREFIX = "lbuvault: ";
  private static final Duration TERM_GRACE = Duration.ofSeconds(5);

  private final List<String> lbuvault;
  private final Path repo;
  private final Optional<Path> passwordFile;

  /**
   * @param lbuvault the command that starts lbuvault, e.g. the launcher {@code bin/lbuvault}, to
   *     which the backup's arguments are appended
   */
  ChildBackup(List<String> lbuvault, Path repo, Optional<Path> passwordFile) {
    if (lbuvault.isEmpty()) {
      throw new IllegalArgumentException("the lbuvault command is empty");
    }
    this.lbuvault = List.copyOf(lbuvault);
    this.repo = repo;
    this.passwordFile = passwordFile;
  }

  @Override
  public BackupResult run(BackupRequest request) throws IOException, SourceBusyException {
    List<String> command = command(request);
    long start = System.nanoTime();
    Process child =
        new ProcessBuilder(command)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    FutureTask<String> out = drain(child.getInputStream(), "lbuvault-child-out");
    FutureTask<String> err = drain(child.getErrorStream(), "lbuvault-child-err");
    int code = awaitExit(child);
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    String stderr = collect(err);
    stderr.lines().forEach(l -> LOG.debug("backup child: {}", l));
    if (code == 0) {
      return parse(collect(out), elapsed);
    }
    if (code > SIGNAL_EXIT) {
      // Killed (SIGTERM to the daemon's process group at shutdown, or the OOM killer): an
      // interrupted run, which the daemon abandons when it is stopping and counts as failed if not.
      throw new InterruptedIOException(
          "the backup's child process was killed by signal " + (code - SIGNAL_EXIT));
    }
    String error = lastError(stderr).orElse("lbuvault backup exited " + code);
    if (code == BUSY_EXIT) {
      throw new SourceBusyException(error);
    }
    throw new IOException(error);
  }

  /** The child's command line: only paths and options, never the password itself. */
  List<String> command(BackupRequest request) {
    List<String> c = new ArrayList<>(lbuvault);
    c.addAll(List.of("backup", "--json", "--repo", repo.toString()));
    c.addAll(List.of("--source", request.source().describe()));
    if (request.source() instanceof CardLocation.Remote remote) {
      remote.ssh().identity().ifPresent(f -> c.addAll(List.of("--ssh-identity", f.toString())));
      remote.ssh().options().forEach(o -> c.addAll(List.of("--ssh-option", o)));
    }
    c.addAll(List.of("--lock-wait", request.lockWait().toString()));
    request.host().ifPresent(h -> c.addAll(List.of("--host", h)));
    passwordFile.ifPresent(f -> c.addAll(List.of("--password-file", f.toString())));
    if (request.rehash()) {
      c.add("--rehash");
    }
    return c;
  }

  private static int awaitExit(Process child) throws InterruptedIOException {
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
      throw new InterruptedIOException("the backup's child process was stopped");
    }
  }

  private static BackupResult parse(String json, Duration elapsed) throws IOException {
    try {
      JsonObject o = JsonObject.parse(json);
      BackupOutcome outcome =
          switch (o.string("result")) {
            case "stored" -> BackupOutcome.STORED;
            case "unchanged" -> BackupOutcome.UNCHANGED;
            default -> throw new JsonException("unknown result " + o.string("result"));
          };
      return new BackupResult(
          outcome,
          o.string("host"),
          new VersionId(o.string("version")),
          o.number("files"),
          o.number("totalBytes"),
          o.number("bytesCopied"),
          o.strings("warnings"),
          elapsed);
    } catch (JsonException | IllegalArgumentException e) {
      throw new IOException("the backup's child process printed an unreadable result: " + e, e);
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

  private static String collect(FutureTask<String> task) throws IOException {
    try {
      return task.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while reading the backup's child process");
    } catch (ExecutionException e) {
      throw new IOException("cannot read the backup's child process: " + e.getCause(), e);
    }
  }
}
