package dev.lbuvault.source;

import dev.lbuvault.ssh.SshCommand;
import dev.lbuvault.ssh.SshUrl;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a backup reads the card: a local mount point, or a directory on another host reached with
 * OpenSSH ({@code ssh://[user@]host[:port]/path}). {@link #parse} is the one reading of a {@code
 * --source} value (the command line and the daemon's configuration both use it).
 */
public sealed interface CardLocation {
  /** The card mounted (or copied) at a local directory. */
  record Local(Path path) implements CardLocation {
    public Local {
      Objects.requireNonNull(path, "path");
    }

    @Override
    public String describe() {
      return path.toString();
    }
  }

  /** The card at a directory of another host, read over ssh with no agent installed there. */
  record Remote(SshCommand ssh) implements CardLocation {
    public Remote {
      Objects.requireNonNull(ssh, "ssh");
    }

    @Override
    public String describe() {
      return ssh.url().toString();
    }
  }

  /** The location as the user wrote it (the ssh URL in canonical form); never holds a secret. */
  String describe();

  /**
   * Reads a {@code --source} value: an {@code ssh://} URL (with the ssh key and {@code -o} options
   * to use) or else a local path.
   *
   * @throws IllegalArgumentException naming what is wrong with an ssh URL or option
   */
  static CardLocation parse(String text, Optional<Path> sshIdentity, List<String> sshOptions) {
    if (SshUrl.looksLikeSsh(text)) {
      return new Remote(new SshCommand(SshUrl.parse(text), sshIdentity, sshOptions));
    }
    return new Local(Path.of(text));
  }
}
