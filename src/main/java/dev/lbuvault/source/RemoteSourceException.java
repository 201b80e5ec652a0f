package dev.lbuvault.source;

import java.util.Objects;

/**
 * A card on another host could not be read over ssh, for one of four reasons that need different
 * action, so each has its own exit code: the host cannot be reached, ssh refused the login or the
 * host key, the directory is not there, or the transfer broke off. Nothing was stored.
 */
public final class RemoteSourceException extends SourceException {
  private static final long serialVersionUID = 1L;

  /** Why the remote card could not be read. */
  public enum Kind {
    /** ssh could not connect (name unknown, connection refused, timed out). */
    UNREACHABLE,
    /** ssh connected but refused the key, or the host key is unknown or changed. */
    AUTHENTICATION,
    /** The remote directory does not exist or is not a directory. */
    MISSING_PATH,
    /** The listing or the tar stream failed or broke off midway. */
    TRANSFER
  }

  private final Kind kind;

  public RemoteSourceException(Kind kind, String message) {
    super(message);
    this.kind = Objects.requireNonNull(kind, "kind");
  }

  public Kind kind() {
    return kind;
  }
}
