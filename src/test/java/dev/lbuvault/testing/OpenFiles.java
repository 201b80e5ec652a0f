package dev.lbuvault.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Which processes hold a file open, read from {@code /proc/PID/fd}: how a test sees that a writer
 * is waiting for a repository lock (the lock file is open from the first try) instead of sleeping
 * for as long as that usually takes.
 */
public final class OpenFiles {
  private OpenFiles() {}

  /** How many descriptors {@code process} and its descendants hold open on {@code file}. */
  public static long count(ProcessHandle process, Path file) throws IOException {
    Path target = file.toRealPath();
    long n = 0;
    for (ProcessHandle p : Stream.concat(Stream.of(process), process.descendants()).toList()) {
      n += countIn(p.pid(), target);
    }
    return n;
  }

  private static long countIn(long pid, Path target) throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      return fds.filter(fd -> pointsTo(fd, target)).count();
    } catch (NoSuchFileException | UncheckedIOException e) {
      return 0; // the process ended while we looked
    }
  }

  private static boolean pointsTo(Path fd, Path target) {
    try {
      return Files.readSymbolicLink(fd).equals(target);
    } catch (IOException e) {
      return false; // closed while we looked
    }
  }
}
