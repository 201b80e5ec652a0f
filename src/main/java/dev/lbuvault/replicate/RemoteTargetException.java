package dev.lbuvault.replicate;

import java.io.IOException;
import java.util.Objects;

/**
 * An {@code ssh://} replication target could not be used, for one of four reasons that need
 * different action, so each has its own exit code (the same as an ssh source's): the host cannot be
 * reached, the far side refused this key (login, host key, or a request its {@code authorized_keys}
 * line does not allow), the far side cannot receive at that path, or the transfer broke off. What
 * the far side received of an unfinished version is deleted there by the next run.
 */
public final class RemoteTargetException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Why the target could not be used. */
  public enum Kind {
    /** ssh could not connect (name unknown, connection refused, timed out). */
    UNREACHABLE,
    /** ssh refused the login or the host key, or the far side's receive refused the request. */
    REFUSED,
    /**
     * The far side cannot receive there: the path's parent or {@code --restrict-path} is missing,
     * the path holds something that is not an lbuvault repository, or no {@code lbuvault receive}
     * answers.
     */
    NO_PATH,
    /** The connection or the far side broke off in the middle of a request. */
    TRANSFER
  }

  private final Kind kind;

  public RemoteTargetException(Kind kind, String message) {
    super(message);
    this.kind = Objects.requireNonNull(kind, "kind");
  }

  public Kind kind() {
    return kind;
  }
}
