package dev.lbuvault.archive;

import java.io.IOException;

/**
 * An Alpine release tarball that can be read but not put on a FAT card as it is: a member FAT
 * cannot represent (symbolic link, device, FIFO), a name given twice, two names FAT would take for
 * one, or a hard link to nothing before it. Thrown by {@link ReleaseTarball#list()}, so before
 * anything is written; the message is one line naming the tarball and the member.
 */
public final class UnusableReleaseException extends IOException {
  private static final long serialVersionUID = 1L;

  public UnusableReleaseException(String message) {
    super(message);
  }
}
