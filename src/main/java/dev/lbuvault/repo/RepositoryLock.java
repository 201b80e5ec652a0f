package dev.lbuvault.repo;

import dev.lbuvault.fs.SecureFiles;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

/**
 * The one-writer-per-repository lock: an fcntl lock on {@code REPO/lock}, which the kernel drops
 * when the holding process dies, so a killed backup never leaves the repository locked. The file
 * also names the holder (pid, host, start time, command) for the error a second writer prints.
 */
public final class RepositoryLock implements AutoCloseable {
  private static final Duration RETRY = Duration.ofMillis(250);

  private final FileChannel channel;
  private final FileLock lock;

  private RepositoryLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the lock, waiting up to {@code wait} for another writer to finish.
   *
   * @throws RepositoryException naming the holder when the lock is still held after {@code wait}
   */
  static RepositoryLock acquire(Path lockFile, Duration wait, Clock clock, String command)
      throws IOException, RepositoryException {
    FileChannel ch =
        FileChannel.open(
            lockFile,
            Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE),
            PosixFilePermissions.asFileAttribute(SecureFiles.FILE_MODE));
    try {
      Instant deadline = clock.instant().plus(wait);
      while (true) {
        FileLock lock = tryLock(ch);
        if (lock != null) {
          writeHolder(ch, clock, command);
          return new RepositoryLock(ch, lock);
        }
        if (!clock.instant().isBefore(deadline)) {
          String holder = Files.readString(lockFile, StandardCharsets.UTF_8).strip();
          throw new RepositoryException(
              "repository "
                  + lockFile.getParent()
                  + " is locked by another lbuvault ("
                  + (holder.isEmpty() ? "holder unknown" : holder)
                  + "); wait for it to finish or use --lock-wait DURATION");
        }
        sleep(RETRY);
      }
    } catch (IOException | RepositoryException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  private static FileLock tryLock(FileChannel ch) throws IOException {
    try {
      return ch.tryLock();
    } catch (OverlappingFileLockException e) {
      // Held by this very JVM (another command run in-process): as busy as any other holder.
      return null;
    }
  }

  private static void writeHolder(FileChannel ch, Clock clock, String command) throws IOException {
    ProcessHandle self = ProcessHandle.current();
    String text =
        "pid "
            + self.pid()
            + " on "
            + hostName()
            + ", started "
            + clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
            + ", command "
            + command
            + "\n";
    ch.truncate(0);
    ch.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), 0);
  }

  private static String hostName() {
    // Not InetAddress.getLocalHost(): it may wait on DNS, and the kernel already knows.
    try {
      return Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return "unknown host";
    }
  }

  private static void sleep(Duration d) throws InterruptedIOException {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the repository lock");
    }
  }

  @Override
  public void close() throws IOException {
    // An interrupted holder (the daemon abandoning a backup at shutdown) must still clear its
    // holder line: with the interrupt flag set, truncate() would close the channel and fail.
    boolean interrupted = Thread.interrupted();
    try {
      channel.truncate(0);
      lock.release();
    } finally {
      channel.close();
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
