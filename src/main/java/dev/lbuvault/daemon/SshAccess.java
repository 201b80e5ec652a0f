package dev.lbuvault.daemon;

import dev.lbuvault.source.CardLocation;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How the daemon reaches its {@code ssh://} sources: the {@code ssh.identity} key file and the
 * {@code ssh.options} ({@code ssh -o NAME=VALUE}) shared by all of them, as {@code backup
 * --ssh-identity/--ssh-option} take them on the command line.
 */
public record SshAccess(Optional<Path> identity, List<String> options) {
  public SshAccess {
    Objects.requireNonNull(identity, "identity");
    options = List.copyOf(options);
  }

  /** No key and no options: ssh's own defaults. */
  public static SshAccess none() {
    return new SshAccess(Optional.empty(), List.of());
  }

  /**
   * Where a backup of {@code location} reads the card.
   *
   * @throws IllegalArgumentException naming what is wrong with an ssh URL or option
   */
  public CardLocation locate(String location) {
    return CardLocation.parse(location, identity, options);
  }
}
