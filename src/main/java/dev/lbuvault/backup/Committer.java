package dev.lbuvault.backup;

import dev.lbuvault.fs.SecureFiles;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Puts finished copies in place on a thread of its own: fsync the temporary file, then rename it
 * over its target, in the order the copies were handed over. The reading thread goes on with the
 * next card file while the repository's disk writes the last one back; with the fsync on the
 * reading thread, a first backup of a 500 MB card read at 40 MiB/s took 1.7x the time to read its
 * bytes once (docs/benchmarks.md, item 9). At most {@link #MAX_PENDING} copies wait; the first
 * failure is thrown by the next {@link #submit} or by {@link #drain}. {@link #close} waits for the
 * copies already handed over, so none is renamed after its staging directory is gone.
 */
final class Committer implements AutoCloseable {
  private static final int MAX_PENDING = 16;

  private final ExecutorService executor =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "lbuvault-commit");
            t.setDaemon(true);
            return t;
          });
  private final Deque<Future<Void>> pending = new ArrayDeque<>();

  /** Queues fsync-then-rename of {@code temp} over {@code target}. */
  void submit(Path temp, Path target) throws IOException {
    while (pending.size() >= MAX_PENDING) {
      await(pending.removeFirst());
    }
    pending.addLast(executor.submit(() -> commit(temp, target)));
  }

  /** Waits until every copy handed over is durable and in place; throws the first failure. */
  void drain() throws IOException {
    while (!pending.isEmpty()) {
      await(pending.removeFirst());
    }
  }

  @Override
  public void close() throws IOException {
    executor.shutdown();
    try {
      // Each commit is one fsync and one rename: bounded, so waiting is safe.
      while (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
        // keep waiting: returning early could let a rename race the staging directory's removal
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while copies were being made durable");
    }
  }

  private static Void commit(Path temp, Path target) throws IOException {
    // fsync on a read-only descriptor flushes the file's data and metadata all the same; the
    // temporary file is not writable by its owner (0400), so it cannot be reopened for writing.
    try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.READ)) {
      ch.force(true);
    }
    SecureFiles.moveAtomically(temp, target);
    return null;
  }

  private static void await(Future<Void> f) throws IOException {
    try {
      f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while copies were being made durable");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof UncheckedIOException u) {
        throw u.getCause();
      }
      throw new IllegalStateException("committing a copy failed", cause);
    }
  }
}
