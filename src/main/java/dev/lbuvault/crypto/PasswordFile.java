package dev.lbuvault.crypto;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * Reads the password for encrypted apkovls from a file, the way {@code openssl enc -pass file:F}
 * does: the first line, up to but not including its newline. A file that group or others may read
 * is refused before it is opened, since anyone who can read it can read every backup of the host.
 */
public final class PasswordFile {
  /** openssl reads at most this many bytes of the line (APP_PASS_LEN). */
  static final int MAX_BYTES = 1024;

  private static final Set<PosixFilePermission> SHARED =
      EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE);

  private PasswordFile() {}

  /**
   * The password in {@code file}.
   *
   * @throws PasswordFileException if the file is missing, unreadable, shared or holds no password
   */
  public static Password read(Path file) throws PasswordFileException {
    requirePrivate(file);
    byte[] head;
    try (InputStream in = Files.newInputStream(file)) {
      head = in.readNBytes(MAX_BYTES);
    } catch (IOException e) {
      throw new PasswordFileException(
          "password file " + file + " cannot be read (" + e.getClass().getSimpleName() + ")");
    }
    int end = 0;
    while (end < head.length && head[end] != '\n') {
      end++;
    }
    Password password = new Password(Arrays.copyOf(head, end));
    Arrays.fill(head, (byte) 0);
    if (password.isEmpty()) {
      throw new PasswordFileException(
          "password file " + file + " is empty: write the apkovl password on its first line");
    }
    return password;
  }

  private static void requirePrivate(Path file) throws PasswordFileException {
    Set<PosixFilePermission> permissions;
    try {
      permissions = Files.getPosixFilePermissions(file);
    } catch (NoSuchFileException e) {
      throw new PasswordFileException("password file " + file + " does not exist");
    } catch (IOException | UnsupportedOperationException e) {
      throw new PasswordFileException(
          "password file " + file + " cannot be read (" + e.getClass().getSimpleName() + ")");
    }
    if (!Files.isRegularFile(file)) {
      throw new PasswordFileException("password file " + file + " is not a regular file");
    }
    if (permissions.stream().anyMatch(SHARED::contains)) {
      throw new PasswordFileException(
          "password file "
              + file
              + " is accessible by group or others (mode "
              + octal(permissions)
              + "): run chmod 600 "
              + file);
    }
  }

  /** The octal form users know from ls and chmod. */
  private static String octal(Set<PosixFilePermission> permissions) {
    int mode = 0;
    for (PosixFilePermission p : permissions) {
      mode |= 1 << (8 - p.ordinal());
    }
    return String.format("%03o", mode);
  }
}
