package dev.lbuvault.testing;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

/** What a stopped writer must not leave in a repository: a held lock, half-made or temp files. */
public final class Leftovers {
  private Leftovers() {}

  /** Paths below {@code repo} named like temporary or half-made entries. */
  public static List<Path> tempEntries(Path repo) throws IOException {
    try (Stream<Path> s = Files.walk(repo)) {
      return s.filter(
              p -> {
                String n = p.getFileName().toString();
                return n.startsWith(".partial-")
                    || n.startsWith(".deleting-")
                    || n.startsWith(".lbuvault-tmp-")
                    || n.equals(".lbuvault-staging")
                    || n.contains(".tmp-");
              })
          .toList();
    }
  }

  /** True when no process holds the repository's writer lock (and it names no holder). */
  public static boolean lockFree(Path repo) throws IOException {
    Path lock = repo.resolve("lock");
    if (!Files.exists(lock)) {
      return true;
    }
    try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.WRITE);
        FileLock l = ch.tryLock()) {
      return l != null && Files.size(lock) == 0;
    }
  }
}
