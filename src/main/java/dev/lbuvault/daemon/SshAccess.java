package dev.lbuvault.daemon;

import dev.lbuvault.source.CardLocation;
import dev.lbuvault.ssh.SshCommand;
import dev.lbuvault.ssh.SshUrl;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How the daemon reaches an {@code ssh://} source or replication target: the key file and the
 * {@code ssh -o NAME=VALUE} options, as {@code backup} and {@code replicate} take them with {@code
 * --ssh-identity/--ssh-option}. The top-level {@code ssh.identity} and {@code ssh.options} are
 * every source's and, unless a {@code [replicate NAME]} section sets its own, every target's.
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

  /**
   * The ssh command line that reaches {@code url} with this key and these options.
   *
   * @throws IllegalArgumentException naming what is wrong with the URL or an option
   */
  public SshCommand command(String url) {
    return new SshCommand(SshUrl.parse(url), identity, options);
  }
}
