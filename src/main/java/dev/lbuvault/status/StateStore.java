package dev.lbuvault.status;

import dev.lbuvault.fs.SecureFiles;
import dev.lbuvault.json.Json;
import dev.lbuvault.json.JsonException;
import dev.lbuvault.repo.Repository;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Reads and updates one host's {@code daemon-state.json}. Every update is a read-modify-write under
 * an fcntl lock on {@code daemon-state.lock} beside it (the daemon and a one-shot {@code backup
 * --textfile-dir} may both count runs), and the file is replaced atomically with mode 0600, so a
 * crash leaves the old or the new state, never a torn one.
 */
public final class StateStore {
  public static final String FILE = "daemon-state.json";
  public static final String LOCK_FILE = "daemon-state.lock";

  /** One JVM may hold the fcntl lock only once; this serialises the updates inside it. */
  private static final Object JVM_LOCK = new Object();

  private final Path hostDir;

  public StateStore(Path hostDir) {
    this.hostDir = hostDir.toAbsolutePath();
  }

  /** The store of {@code host} in {@code repository}. */
  public static StateStore of(Repository repository, String host) {
    return new StateStore(repository.host(host).dir());
  }

  public Path file() {
    return hostDir.resolve(FILE);
  }

  /**
   * Whether the host has an area in the repository (a state may be written without creating it).
   */
  public boolean hostExists() {
    return Files.isDirectory(hostDir);
  }

  /**
   * The stored state, or the empty state if there is none.
   *
   * @throws IOException naming the file when it is unreadable or damaged
   */
  public DaemonState read() throws IOException {
    String text;
    try {
      text = Json.readFile(file());
    } catch (NoSuchFileException e) {
      return DaemonState.empty();
    }
    try {
      return DaemonState.fromJson(text);
    } catch (JsonException e) {
      throw new IOException(file() + " is damaged: " + e.getMessage(), e);
    }
  }

  /**
   * Applies {@code change} to the stored state and writes the result, creating the host's area if
   * needed. A damaged file is replaced as if it were empty: its counters are lost, but the daemon
   * keeps working and the next state is valid.
   */
  public DaemonState update(UnaryOperator<DaemonState> change) throws IOException {
    SecureFiles.createPrivateDirectories(hostDir);
    synchronized (JVM_LOCK) {
      try (FileChannel ch =
              FileChannel.open(
                  hostDir.resolve(LOCK_FILE),
                  Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                  PosixFilePermissions.asFileAttribute(SecureFiles.FILE_MODE));
          FileLock ignored = ch.lock()) {
        DaemonState current;
        try {
          current = read();
        } catch (IOException e) {
          current = DaemonState.empty();
        }
        DaemonState next = change.apply(current);
        SecureFiles.writeAtomically(file(), next.toJson(), SecureFiles.FILE_MODE);
        return next;
      }
    }
  }
}
