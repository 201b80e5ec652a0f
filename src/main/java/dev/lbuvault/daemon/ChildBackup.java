package dev.lbuvault.daemon;

import dev.lbuvault.backup.BackupOutcome;
import dev.lbuvault.backup.BackupRequest;
import dev.lbuvault.backup.BackupResult;
import dev.lbuvault.json.JsonException;
import dev.lbuvault.json.JsonObject;
import dev.lbuvault.repo.VersionId;
import dev.lbuvault.source.CardLocation;
import dev.lbuvault.source.SourceBusyException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs one backup as {@code lbuvault backup --json} in a child JVM ({@link ChildCommand}). The
 * child prints its result as JSON; its exit status 5 (lbu is writing the card) becomes a {@link
 * SourceBusyException}, any other failure an {@link IOException} carrying the child's one-line
 * error.
 */
final class ChildBackup implements BackupRunner {
  /** {@code ExitCodes.BUSY} of the command line, which the core does not import. */
  static final int BUSY_EXIT = 5;

  private final ChildCommand lbuvault;
  private final Path repo;
  private final Optional<Path> passwordFile;

  /**
   * @param lbuvault the command that starts lbuvault, e.g. the launcher {@code bin/lbuvault}, to
   *     which the backup's arguments are appended
   */
  ChildBackup(List<String> lbuvault, Path repo, Optional<Path> passwordFile) {
    this.lbuvault = new ChildCommand(lbuvault);
    this.repo = repo;
    this.passwordFile = passwordFile;
  }

  @Override
  public BackupResult run(BackupRequest request) throws IOException, SourceBusyException {
    long start = System.nanoTime();
    ChildCommand.Exit exit = lbuvault.run(arguments(request));
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    if (exit.code() == 0) {
      return parse(exit.stdout(), elapsed);
    }
    if (exit.code() == BUSY_EXIT) {
      throw new SourceBusyException(exit.error("backup"));
    }
    throw new IOException(exit.error("backup"));
  }

  /** The child's command line: only paths and options, never the password itself. */
  List<String> command(BackupRequest request) {
    return lbuvault.command(arguments(request));
  }

  private List<String> arguments(BackupRequest request) {
    List<String> c = new ArrayList<>();
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
}
