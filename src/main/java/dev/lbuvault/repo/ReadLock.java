package dev.lbuvault.repo;

import dev.lbuvault.fs.SecureFiles;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Keeps versions that are being read from being pruned: fcntl byte-range locks on {@code
 * hosts/HOST/readers.lock}, one byte per version (at {@link #offset}). Readers ({@code recover},
 * {@code verify}, {@code show}) hold a shared lock on each version they read; prune takes an
 * exclusive lock on a version's byte before deleting it, so it waits for the readers or skips the
 * version. The kernel drops the locks of a process that dies. The file is separate from the writer
 * lock {@code REPO/lock} because closing any descriptor of a file drops all of a process's fcntl
 * locks on it, and the writer lock's file is also read for its holder's name.
 *
 * <p>Within one JVM, Java refuses overlapping locks; a reader that finds its version's byte already
 * locked by its own JVM (the daemon's tasks run one at a time, so only a CLI test would) reads
 * without its own lock.
 */
public final class ReadLock implements AutoCloseable {
  public static final String FILE = "readers.lock";
  private static final Duration RETRY = Duration.ofMillis(100);

  private final FileChannel channel;
  private final List<FileLock> locks;

  private ReadLock(FileChannel channel, List<FileLock> locks) {
    this.channel = channel;
    this.locks = locks;
  }

  /**
   * The byte that stands for {@code id}: its second times 10^6 plus its suffix (at most 6 digits).
   */
  static long offset(VersionId id) {
    String v = id.value();
    int underscore = v.indexOf('_');
    long suffix = underscore < 0 ? 0 : Long.parseLong(v.substring(underscore + 1));
    return id.time().getEpochSecond() * 1_000_000L + suffix;
  }

  private static Path file(Repository repository, String host) {
    return repository.host(host).dir().resolve(FILE);
  }

  /**
   * Takes shared locks on {@code versions} (all of one host), waiting for a prune that is deleting
   * one of them. Where the lock file can be neither created nor opened (a read-only mount, which no
   * prune can change either) the versions are read without locks.
   */
  public static ReadLock shared(Repository repository, String host, List<StoredVersion> versions)
      throws IOException {
    Optional<FileChannel> ch = openForReading(file(repository, host));
    if (ch.isEmpty()) {
      return new ReadLock(null, List.of());
    }
    List<FileLock> held = new ArrayList<>();
    try {
      for (StoredVersion v : versions) {
        try {
          held.add(ch.get().lock(offset(v.id()), 1, true));
        } catch (OverlappingFileLockException e) {
          // already locked by this JVM: see the class comment
        }
      }
    } catch (IOException | RuntimeException e) {
      ch.get().close();
      throw e;
    }
    return new ReadLock(ch.get(), held);
  }

  /**
   * Takes the shared lock on one version and checks it still exists (a prune may have removed it
   * between the listing and the lock).
   *
   * @throws RepositoryException when the version was removed meanwhile
   */
  public static ReadLock sharedExisting(Repository repository, StoredVersion version)
      throws IOException, RepositoryException {
    ReadLock lock = shared(repository, version.host(), List.of(version));
    if (!java.nio.file.Files.isDirectory(version.dir())) {
      lock.close();
      throw new RepositoryException(
          "version "
              + version.id()
              + " of host "
              + version.host()
              + " was removed (pruned) meanwhile; choose another with lbuvault list");
    }
    return lock;
  }

  private static Optional<FileChannel> openForReading(Path file) throws IOException {
    try {
      return Optional.of(
          FileChannel.open(
              file,
              Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE),
              PosixFilePermissions.asFileAttribute(SecureFiles.FILE_MODE)));
    } catch (AccessDeniedException | NoSuchFileException e) {
      return Optional.empty();
    } catch (FileSystemException e) {
      // EROFS: a read-only repository, which no prune can change.
      try {
        return Optional.of(FileChannel.open(file, StandardOpenOption.READ));
      } catch (IOException again) {
        return Optional.empty();
      }
    }
  }

  /**
   * For prune: takes the exclusive lock on {@code version}'s byte, waiting until {@code deadline}
   * for its readers. Empty when readers still hold it; the caller then skips the version.
   */
  public static Optional<ReadLock> exclusive(
      Repository repository, StoredVersion version, Instant deadline, Clock clock)
      throws IOException {
    FileChannel ch =
        FileChannel.open(
            file(repository, version.host()),
            Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE),
            PosixFilePermissions.asFileAttribute(SecureFiles.FILE_MODE));
    try {
      while (true) {
        FileLock lock;
        try {
          lock = ch.tryLock(offset(version.id()), 1, false);
        } catch (OverlappingFileLockException e) {
          lock = null;
        }
        if (lock != null) {
          return Optional.of(new ReadLock(ch, List.of(lock)));
        }
        if (!clock.instant().isBefore(deadline)) {
          ch.close();
          return Optional.empty();
        }
        sleep();
      }
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  private static void sleep() throws InterruptedIOException {
    try {
      Thread.sleep(RETRY.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for readers of a version");
    }
  }

  @Override
  public void close() throws IOException {
    if (channel != null) {
      channel.close(); // releases every lock taken through it
    }
  }

  /** How many versions this lock protects (0 when the repository could not be locked). */
  public int held() {
    return locks.size();
  }
}
