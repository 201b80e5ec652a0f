package dev.lbuvault.archive;

import java.io.IOException;

/**
 * A tar that is not a version as {@link VersionTar} writes it: a member outside the version's
 * top-level names, a link or device, a path that climbs out. An IOException so it can pass through
 * the streams that decrypt the tar.
 */
public final class VersionTarException extends IOException {
  private static final long serialVersionUID = 1L;

  public VersionTarException(String message) {
    super(message);
  }
}
