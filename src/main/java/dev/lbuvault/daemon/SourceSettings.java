package dev.lbuvault.daemon;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * One source the daemon backs up: the single-source form's top-level {@code host}, {@code source}
 * and {@code backup.schedule} keys, or one {@code [host NAME]} section of the configuration file.
 *
 * @param host the host name; empty only in the single-source form, where it is then taken from the
 *     apkovl's name
 * @param location the card's mount point, or an {@code ssh://[user@]host[:port]/path} URL
 * @param backupSchedule Quartz cron expression of this source's scheduled backup; empty when off
 * @param statusRoot the host's root when the daemon runs on that host itself (uncommitted-changes
 *     metrics); empty when off
 */
public record SourceSettings(
    Optional<String> host,
    String location,
    Optional<String> backupSchedule,
    Optional<Path> statusRoot) {
  /** The scheme of a source read over ssh. */
  public static final String SSH_PREFIX = "ssh://";

  public SourceSettings {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(backupSchedule, "backupSchedule");
    Objects.requireNonNull(statusRoot, "statusRoot");
    if (location.isEmpty()) {
      throw new IllegalArgumentException("location must not be empty");
    }
  }

  /** Whether the card is read over ssh: then there is no local directory to watch. */
  public boolean remote() {
    return location.startsWith(SSH_PREFIX);
  }

  /** The local mount point; for a remote source, the URL as a path (never opened). */
  public Path dir() {
    return Path.of(location);
  }
}
