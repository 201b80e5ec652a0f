package dev.lbuvault.replicate;

import java.io.IOException;

/**
 * {@code lbuvault receive} cannot keep a repository at the requested path: its parent directory or
 * the {@code --restrict-path} directory does not exist on this host, or the path holds something
 * that is neither an lbuvault repository nor an empty directory. Nothing was created; {@code
 * receive} exits 8, which the sending side reports as its own exit 8.
 */
public final class TargetPathException extends IOException {
  private static final long serialVersionUID = 1L;

  public TargetPathException(String message) {
    super(message);
  }
}
