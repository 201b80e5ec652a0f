package dev.lbuvault.repo;

import dev.lbuvault.fs.SecureFiles;
import dev.lbuvault.json.JsonException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Reads and updates one host's {@code damage.json}. Verify (a reader, without the writer lock) and
 * backup both update it, so every update is a read-modify-write under an fcntl lock on {@code
 * damage.lock} beside it, and the file is replaced atomically (temporary name, fsync, rename) with
 * mode 0600.
 */
public final class DamageStore {
  public static final String FILE = "damage.json";
  public static final String LOCK_FILE = "damage.lock";

  /** One JVM may hold the fcntl lock only once; this serialises the updates inside it. */
  private static final Object JVM_LOCK = new Object();

  private final Path hostDir;

  public DamageStore(HostArea area) {
    this.hostDir = area.dir().toAbsolutePath();
  }

  public Path file() {
    return hostDir.resolve(FILE);
  }

  /**
   * The stored record, or the empty record if there is none.
   *
   * @throws IOException naming the file when it is damaged, with what to do
   */
  public DamageRecord read() throws IOException {
    String text;
    try {
      text = Files.readString(file(), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return DamageRecord.empty();
    }
    try {
      return DamageRecord.fromJson(text);
    } catch (JsonException e) {
      throw new IOException(
          file() + " is damaged (" + e.getMessage() + "); delete it and run lbuvault verify", e);
    }
  }

  /**
   * The stored record for a backup, which must not be stopped by one damaged file: a record that
   * cannot be parsed is moved aside (kept, for whoever wants to read it) and reported as unknown,
   * with a warning naming both files. An unknown record means the caller cannot tell which copies
   * are damaged and should re-read everything.
   *
   * @throws IOException when the file cannot be read or moved at all
   */
  public Optional<DamageRecord> readOrSetAside(List<String> warnings) throws IOException {
    try {
      return Optional.of(read());
    } catch (IOException e) {
      if (!(e.getCause() instanceof JsonException)) {
        throw e;
      }
      Path aside = hostDir.resolve(FILE + ".damaged-" + System.currentTimeMillis());
      SecureFiles.moveAtomically(file(), aside);
      warnings.add(
          file()
              + " was damaged and is kept as "
              + aside.getFileName()
              + ": every file was re-read from the card; run lbuvault verify to mark damaged"
              + " versions again");
      return Optional.empty();
    }
  }

  /** Applies {@code change} to the stored record; writes only when something changed. */
  public DamageRecord update(UnaryOperator<DamageRecord> change) throws IOException {
    synchronized (JVM_LOCK) {
      try (FileChannel ch =
              FileChannel.open(
                  hostDir.resolve(LOCK_FILE),
                  Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                  PosixFilePermissions.asFileAttribute(SecureFiles.FILE_MODE));
          FileLock ignored = ch.lock()) {
        DamageRecord current = read();
        DamageRecord next = change.apply(current);
        if (!next.equals(current)) {
          SecureFiles.writeAtomically(file(), next.toJson(), SecureFiles.FILE_MODE);
        }
        return next;
      }
    }
  }
}
