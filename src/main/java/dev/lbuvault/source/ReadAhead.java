package dev.lbuvault.source;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Reads a local card's files on a thread of its own, in the order they will be consumed and at most
 * {@link #CHUNKS} chunks of {@link #CHUNK_BYTES} ahead, so the card never waits while the consuming
 * thread hashes and writes a chunk: without it the card idles during every chunk's hash and write
 * (on a Pi 4, which has no SHA instructions, hashing a MiB takes a good part of the 25 ms a 40 MB/s
 * card needs to read it) and during every stall of the repository's disk. Each file is checked
 * against its scan (size and mtime) before it is opened and again after its last byte was read; the
 * consumer gets the file's end only with that verdict. Heap: at most {@link #CHUNKS} buffers,
 * reused; never a whole file.
 */
final class ReadAhead implements AutoCloseable {
  static final int CHUNK_BYTES = 1 << 20;
  // 4 MiB ahead is 100 ms of a 40 MB/s card: at card speed it backed up as fast as 16 MiB did
  // (13.15 against 13.13 s, 3 interleaved runs each) with 16 MiB less RSS (64 against 80 MiB max;
  // scripts/bench --only card-speed --card-variant-jar at 44cfff7, session 6).
  static final int CHUNKS = 4;

  private sealed interface Item permits Chunk, End {}

  private record Chunk(byte[] bytes, int length) implements Item {}

  /** A file's end; {@code failure} is null when the file did not change while it was read. */
  private record End(Exception failure) implements Item {}

  private final Path root;
  private final List<CardFile> files;
  // Buffers the consumer is done with. Producer-side count of buffers ever made: <= CHUNKS.
  private final BlockingQueue<byte[]> free = new LinkedBlockingQueue<>();
  private final BlockingQueue<Item> filled = new LinkedBlockingQueue<>();
  private final Thread thread;
  private int allocated;

  private ReadAhead(Path root, List<CardFile> files) {
    this.root = root;
    this.files = List.copyOf(files);
    this.thread = new Thread(this::run, "lbuvault-card-read");
    thread.setDaemon(true);
  }

  /** Starts reading {@code files} (relative to {@code root}) ahead of the consumer. */
  static ReadAhead start(Path root, List<CardFile> files) {
    ReadAhead r = new ReadAhead(root, files);
    r.thread.start();
    return r;
  }

  /**
   * The next file's bytes. Call {@link FileBytes#requireWhole} after consuming them: it reads to
   * the file's end and throws what the reading thread found (changed, vanished, unreadable).
   */
  FileBytes next() {
    return new FileBytes();
  }

  /**
   * Stops the reading thread and waits for it, even when this thread is interrupted (the interrupt
   * is kept): a reader left running would outlive the backup that owns the card's files.
   */
  @Override
  public void close() {
    thread.interrupt();
    boolean interrupted = false;
    while (true) {
      try {
        thread.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    try {
      for (CardFile f : files) {
        filled.put(readOne(f));
      }
    } catch (InterruptedException e) {
      // closed: the consumer stopped early (failure or done)
    } catch (RuntimeException | Error e) {
      // The consumer waits for this file's end: hand it the failure, or it would wait forever.
      filled.add(new End(new IOException("reading the card failed: " + e, e)));
    }
  }

  /** Reads one file into chunks; returns its end with the verdict. */
  private End readOne(CardFile f) throws InterruptedException {
    Path file = root.resolve(f.path());
    try {
      requireUnchanged(file, f);
      try (InputStream in = Files.newInputStream(file)) {
        int n;
        do {
          byte[] b = buffer();
          n = in.readNBytes(b, 0, b.length);
          if (n > 0) {
            filled.put(new Chunk(b, n));
          } else {
            free.put(b);
          }
        } while (n == CHUNK_BYTES);
      } catch (NoSuchFileException e) {
        throw new SourceBusyException(f.path() + " vanished while it was read");
      }
      requireUnchanged(file, f);
      return new End(null);
    } catch (IOException | SourceException e) {
      if (Thread.interrupted()) {
        throw new InterruptedException("closed");
      }
      return new End(e);
    }
  }

  private byte[] buffer() throws InterruptedException {
    byte[] b = free.poll();
    if (b != null) {
      return b;
    }
    if (allocated < CHUNKS) {
      allocated++;
      return new byte[CHUNK_BYTES];
    }
    return free.take();
  }

  static void requireUnchanged(Path file, CardFile expected)
      throws IOException, SourceBusyException {
    BasicFileAttributes now;
    try {
      now = Files.readAttributes(file, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      throw new SourceBusyException(expected.path() + " vanished while it was read");
    }
    if (now.size() != expected.size() || !now.lastModifiedTime().equals(expected.mtime())) {
      throw new SourceBusyException(expected.path() + " changed while it was read");
    }
  }

  /** What the reading thread found wrong with a file, carried through {@link InputStream#read}. */
  static final class ReadFailure extends IOException {
    private static final long serialVersionUID = 1L;

    ReadFailure(Exception cause) {
      super(cause.getMessage(), cause);
    }

    /** Throws the reading thread's exception as it was. */
    void rethrow() throws IOException, SourceException {
      if (getCause() instanceof SourceException s) {
        throw s;
      }
      throw (IOException) getCause();
    }
  }

  /** One file's bytes as the reading thread delivers them. */
  final class FileBytes extends InputStream {
    private final Deque<Chunk> current = new ArrayDeque<>(1);
    private int pos;
    private boolean ended;
    private ReadFailure failure;

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      Chunk c = chunk();
      if (c == null) {
        return -1;
      }
      int k = Math.min(len, c.length() - pos);
      System.arraycopy(c.bytes(), pos, b, off, k);
      pos += k;
      if (pos == c.length()) {
        current.clear();
        free.add(c.bytes());
      }
      return k;
    }

    /** Reads to the file's end and throws what the reading thread found wrong with it. */
    void requireWhole() throws IOException {
      while (chunk() != null) {
        Chunk c = current.remove();
        free.add(c.bytes());
      }
    }

    /** The chunk being read, null at the file's end; throws the file's failure there. */
    private Chunk chunk() throws IOException {
      if (failure != null) {
        // Thrown again on every call: a caller that caught the first must not see a clean end.
        throw failure;
      }
      if (ended) {
        return null;
      }
      if (current.isEmpty()) {
        Item item;
        try {
          item = filled.take();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted while reading the card");
        }
        if (item instanceof End end) {
          ended = true;
          if (end.failure() != null) {
            failure = new ReadFailure(end.failure());
            throw failure;
          }
          return null;
        }
        current.add((Chunk) item);
        pos = 0;
      }
      return current.peek();
    }
  }
}
