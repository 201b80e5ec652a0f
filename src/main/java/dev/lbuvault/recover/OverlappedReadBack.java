package dev.lbuvault.recover;

import dev.lbuvault.image.WrittenExtent;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads back what was written while the rest is still being written: a flushing thread makes the
 * target durable every {@link #FLUSH_BYTES} ({@code fsync}), and a verifying thread then reads the
 * extents completed before that flush back with {@link ReadBack} (O_DIRECT: from the medium). A
 * card's writes and reads then overlap, instead of reading everything back after the last write
 * (which made a recovery take the write time plus the read time). Nothing is weaker: every extent
 * is read back only after an fsync that began after its last write, and the caller writes the
 * partition table only after {@link #finish} confirmed every extent. At most {@link #MAX_UNFLUSHED}
 * bytes are written but not yet flushed, and at most {@link #MAX_UNVERIFIED} not yet read back: the
 * writer waits beyond that, so the page cache holds a bounded amount of the card, and a card that
 * gets bytes wrong stops the run soon after, not at its end.
 */
final class OverlappedReadBack implements AutoCloseable {
  static final long FLUSH_BYTES = 16L << 20;
  static final long MAX_UNFLUSHED = 64L << 20;
  static final long MAX_UNVERIFIED = 128L << 20;

  private final FileChannel channel;
  private final ReadBack readBack;
  private final long flushBytes;
  private final long maxUnflushed;
  private final long maxUnverified;
  private final Thread flusher;
  private final Thread verifier;
  // Guarded by "this".
  private List<WrittenExtent> written = List.of();
  private long bytesWritten;
  private long flushRequested;
  private long flushedBytes;
  private int flushedExtents;
  private int verifiedExtents;
  private long verifiedBytes;
  private boolean finishing;
  private boolean closed;
  private Exception failure;

  private OverlappedReadBack(
      FileChannel channel,
      ReadBack readBack,
      long flushBytes,
      long maxUnflushed,
      long maxUnverified) {
    this.channel = channel;
    this.readBack = readBack;
    this.flushBytes = flushBytes;
    this.maxUnflushed = maxUnflushed;
    this.maxUnverified = maxUnverified;
    this.flusher = new Thread(this::flushLoop, "lbuvault-flush");
    this.verifier = new Thread(this::verifyLoop, "lbuvault-read-back");
    flusher.setDaemon(true);
    verifier.setDaemon(true);
  }

  /**
   * Starts the flushing and verifying threads for {@code channel}, read back by {@code readBack}.
   */
  static OverlappedReadBack start(FileChannel channel, ReadBack readBack) {
    return start(channel, readBack, FLUSH_BYTES, MAX_UNFLUSHED, MAX_UNVERIFIED);
  }

  /** As {@link #start(FileChannel, ReadBack)} with other bounds (tests use small ones). */
  static OverlappedReadBack start(
      FileChannel channel,
      ReadBack readBack,
      long flushBytes,
      long maxUnflushed,
      long maxUnverified) {
    OverlappedReadBack o =
        new OverlappedReadBack(channel, readBack, flushBytes, maxUnflushed, maxUnverified);
    o.flusher.start();
    o.verifier.start();
    return o;
  }

  /**
   * The writer has written {@code bytes} in all and completed {@code extents} (all of them so far,
   * in write order); waits while too much is unflushed, and throws a failure found meanwhile.
   */
  synchronized void written(List<WrittenExtent> extents, long bytes)
      throws IOException, VerificationFailedException {
    written = extents;
    bytesWritten = bytes;
    if (bytes - flushRequested >= flushBytes) {
      flushRequested = bytes;
      notifyAll();
    }
    while (failure == null
        && (bytes - flushedBytes > maxUnflushed || bytes - verifiedBytes > maxUnverified)) {
      try {
        wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while the card was being written");
      }
    }
    throwFailure();
  }

  /**
   * After the last write: flushes and reads back what is left, and waits for every extent.
   *
   * @throws VerificationFailedException naming the first extent that did not read back
   */
  synchronized void finish(List<WrittenExtent> extents, long bytes)
      throws IOException, VerificationFailedException {
    written = extents;
    bytesWritten = bytes;
    flushRequested = bytes;
    finishing = true;
    notifyAll();
    while (failure == null && verifiedExtents < extents.size()) {
      try {
        wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while the card was being written");
      }
    }
    throwFailure();
  }

  /** Whether the read-back bypassed the page cache. */
  boolean direct() {
    return readBack.direct();
  }

  /**
   * Stops both threads and waits for them, even when this thread is interrupted (the interrupt is
   * kept): they must not outlive the channel the caller closes next.
   */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      notifyAll();
    }
    boolean interrupted = joinUninterruptibly(flusher);
    interrupted |= joinUninterruptibly(verifier);
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Joins {@code t}; returns whether an interrupt arrived meanwhile. */
  private static boolean joinUninterruptibly(Thread t) {
    boolean interrupted = false;
    while (true) {
      try {
        t.join();
        return interrupted;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
  }

  private void throwFailure() throws IOException, VerificationFailedException {
    if (failure instanceof VerificationFailedException v) {
      throw v;
    }
    if (failure instanceof IOException io) {
      throw new IOException(io.getMessage(), io);
    }
    if (failure != null) {
      throw new IllegalStateException("reading back failed", failure);
    }
  }

  private synchronized void fail(Exception e) {
    if (failure == null) {
      failure = e;
    }
    notifyAll();
  }

  private void flushLoop() {
    try {
      while (true) {
        long target;
        int extents;
        synchronized (this) {
          while (!closed && failure == null && flushRequested <= flushedBytes && !finalFlushDue()) {
            wait();
          }
          if (closed || failure != null) {
            return;
          }
          // Everything written before this fsync begins is durable once it returns.
          target = bytesWritten;
          extents = written.size();
        }
        channel.force(true);
        synchronized (this) {
          flushedBytes = target;
          flushedExtents = Math.max(flushedExtents, extents);
          notifyAll();
          if (finishing && flushedExtents == written.size() && flushedBytes == bytesWritten) {
            return;
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      fail(e);
    } catch (InterruptedException e) {
      fail(new InterruptedIOException("interrupted while flushing"));
    } catch (Error e) {
      // The writer waits on this thread: tell it, or it would wait forever.
      fail(new IOException("flushing the card failed: " + e, e));
    }
  }

  private boolean finalFlushDue() {
    return finishing && (flushedExtents < written.size() || flushedBytes < bytesWritten);
  }

  private void verifyLoop() {
    try {
      while (true) {
        List<WrittenExtent> batch;
        synchronized (this) {
          while (!closed && failure == null && verifiedExtents == flushedExtents) {
            wait();
          }
          if (closed || failure != null) {
            return;
          }
          batch = new ArrayList<>(written.subList(verifiedExtents, flushedExtents));
        }
        readBack.verify(batch, done -> {});
        synchronized (this) {
          verifiedExtents += batch.size();
          verifiedBytes += batch.stream().mapToLong(WrittenExtent::length).sum();
          notifyAll();
        }
      }
    } catch (IOException | VerificationFailedException | RuntimeException e) {
      fail(e);
    } catch (InterruptedException e) {
      fail(new InterruptedIOException("interrupted while reading back"));
    } catch (Error e) {
      fail(new IOException("reading the card back failed: " + e, e));
    }
  }
}
