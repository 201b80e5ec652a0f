package dev.lbuvault.uncommitted;

import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Builds an Alpine-like root for the status tests: files, and a real-format apk installed database
 * ({@code lib/apk/db/installed}) whose {@code Z:Q1} checksums are computed by {@code openssl dgst
 * -sha1 -binary | base64}, not by the code under test. Owner lines carry the test's own uid and gid
 * so that the tests run as any user.
 */
final class HostRoot {
  final Path root;
  private final StringBuilder db = new StringBuilder();
  private final String owner;

  HostRoot(Path root) throws IOException {
    this.root = Files.createDirectories(root);
    owner = Files.getAttribute(root, "unix:uid") + ":" + Files.getAttribute(root, "unix:gid");
  }

  HostRoot dir(String path, String mode) throws IOException {
    Path p = Files.createDirectories(root.resolve(path));
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
    return this;
  }

  HostRoot file(String path, String content, String mode) throws IOException {
    Path p = root.resolve(path);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
    return this;
  }

  HostRoot link(String path, String target) throws IOException {
    Path p = root.resolve(path);
    Files.createDirectories(p.getParent());
    Files.deleteIfExists(p);
    Files.createSymbolicLink(p, Path.of(target));
    return this;
  }

  /** Starts a package record, with the index lines apk writes before the file list. */
  HostRoot pkg(String name, String version) {
    db.append(db.length() == 0 ? "" : "\n")
        .append("C:Q1")
        .append("Wq0PXQnYHvU5eZdU1eVQFpWuC2o=")
        .append('\n')
        .append("P:")
        .append(name)
        .append("\nV:")
        .append(version)
        .append("\nA:aarch64\nS:12345\nI:65536\nT:test package ")
        .append(name)
        .append("\nU:https://alpinelinux.org\nL:MIT\no:")
        .append(name)
        .append("\nm:Test <test@example.org>\nt:1700000000\nc:0123456789abcdef\n");
    return this;
  }

  /** An {@code F:} line for an existing directory, with its current mode. */
  HostRoot ownsDir(String path) throws IOException {
    db.append("F:").append(path).append('\n');
    db.append("M:").append(owner).append(':').append(mode(root.resolve(path))).append('\n');
    return this;
  }

  /** An {@code R:} line for an existing file or symlink, with its mode and its checksum. */
  HostRoot ownsFile(String name) throws IOException {
    String dir = lastDir();
    Path p = root.resolve(dir.isEmpty() ? name : dir + "/" + name);
    db.append("R:").append(name).append('\n');
    db.append("a:").append(owner).append(':').append(mode(p)).append('\n');
    db.append("Z:Q1").append(sha1Base64(p)).append('\n');
    return this;
  }

  /** Writes the database. */
  void writeDb() throws IOException {
    Path file = root.resolve(InstalledDb.PATH);
    Files.createDirectories(file.getParent());
    Files.writeString(file, db.toString() + "\n");
  }

  private String lastDir() {
    int f = db.lastIndexOf("\nF:");
    int end = db.indexOf("\n", f + 1);
    return db.substring(f + 3, end);
  }

  private static String mode(Path p) throws IOException {
    int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    return Integer.toOctalString(mode & 07777);
  }

  /** SHA-1 as apk stores it, by openssl: of the content, or of a symlink's target. */
  static String sha1Base64(Path p) throws IOException {
    Tools.require("openssl");
    String script =
        Files.isSymbolicLink(p)
            ? "printf %s \"$(readlink \"$1\")\" | openssl dgst -sha1 -binary | base64"
            : "openssl dgst -sha1 -binary \"$1\" | base64";
    return Commands.check(null, "sh", "-c", script, "sh", p.toString()).strip();
  }
}
