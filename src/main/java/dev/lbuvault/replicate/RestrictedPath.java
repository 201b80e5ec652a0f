package dev.lbuvault.replicate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The directory {@code lbuvault receive --restrict-path} confines a key to. A requested path is
 * allowed when it is that directory or lies below it both as written and after every symbolic link
 * in its existing part is resolved, so neither {@code ..} (refused earlier by {@link
 * ReceiveRequest}) nor a symlink pointing out of the directory escapes it.
 */
public final class RestrictedPath {
  private final Path written;
  private final Path real;

  private RestrictedPath(Path written, Path real) {
    this.written = written;
    this.real = real;
  }

  /**
   * The restriction named by {@code --restrict-path}, which must exist.
   *
   * @throws TargetPathException when it does not exist
   * @throws IOException when it cannot be resolved
   */
  public static RestrictedPath of(Path dir) throws IOException {
    Path abs = dir.toAbsolutePath().normalize();
    if (!Files.isDirectory(abs)) {
      throw new TargetPathException(
          "--restrict-path "
              + abs
              + " is not an existing directory; create it (the replicas are kept there)");
    }
    return new RestrictedPath(abs, abs.toRealPath());
  }

  /**
   * Where {@code requested} really is, when allowed.
   *
   * @throws ReceiveRefusedException when it is outside the restricted directory
   */
  public Path confine(String requested) throws ReceiveRefusedException, IOException {
    Path p = Path.of(requested).normalize();
    if (!p.isAbsolute() || !p.startsWith(written)) {
      throw outside(requested);
    }
    Path existing = p;
    while (!Files.exists(existing, LinkOption.NOFOLLOW_LINKS) && existing.getParent() != null) {
      existing = existing.getParent();
    }
    Path resolved;
    try {
      resolved = existing.toRealPath().resolve(existing.relativize(p));
    } catch (java.nio.file.NoSuchFileException dangling) {
      throw outside(requested); // a symlink to nowhere: where it would lead is not known
    }
    if (!resolved.startsWith(real)) {
      throw outside(requested);
    }
    return resolved;
  }

  private ReceiveRefusedException outside(String requested) {
    return new ReceiveRefusedException(
        "refused " + requested + ": this key may only use " + written + " and below");
  }
}
