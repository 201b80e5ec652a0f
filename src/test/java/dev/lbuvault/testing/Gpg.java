package dev.lbuvault.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * Debian's real {@code gpg} in a throwaway home (a temporary GNUPGHOME, its agent killed on close):
 * makes keys as a user would ({@code --quick-gen-key}), exports them to files, and decrypts. The
 * independent judge of what lbuvault's OpenPGP code writes and the source of the keys it reads.
 */
public final class Gpg implements AutoCloseable {
  private final Path home;

  private Gpg(Path home) {
    this.home = home;
  }

  /** A new, empty keyring in {@code dir} (created 0700, as gpg requires). */
  public static Gpg in(Path dir) throws IOException {
    Tools.require("gpg");
    Tools.require("gpgconf");
    Files.createDirectories(
        dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    return new Gpg(dir);
  }

  /**
   * Makes a key for {@code uid}: {@code algo} is {@code default} (Debian 12's gpg 2.2: RSA-3072
   * with an RSA encryption subkey) or {@code future-default} (ed25519 with a cv25519 subkey); an
   * empty passphrase leaves the secret key unprotected.
   */
  public void generate(String uid, String algo, String passphrase) throws IOException {
    gpg(
        "--batch",
        "--pinentry-mode",
        "loopback",
        "--passphrase",
        passphrase,
        "--quick-gen-key",
        uid,
        algo,
        "default",
        "never");
  }

  public Path exportPublic(String uid, Path file, boolean armored) throws IOException {
    List<String> args = new ArrayList<>(List.of("--batch", "--output", file.toString()));
    if (armored) {
      args.add("--armor");
    }
    args.addAll(List.of("--export", uid));
    gpg(args.toArray(String[]::new));
    return file;
  }

  public Path exportSecret(String uid, String passphrase, Path file, boolean armored)
      throws IOException {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--batch",
                "--pinentry-mode",
                "loopback",
                "--passphrase",
                passphrase,
                "--output",
                file.toString()));
    if (armored) {
      args.add("--armor");
    }
    args.addAll(List.of("--export-secret-keys", uid));
    gpg(args.toArray(String[]::new));
    return file;
  }

  /**
   * {@code gpg --decrypt FILE | tar -x -C DIR}, the restore docs/offsite.md describes; returns
   * gpg's stderr (where it reports signatures). Fails unless both succeed.
   */
  public String decryptAndUntar(Path file, String passphrase, Path dir) throws IOException {
    Files.createDirectories(dir);
    Path err = dir.resolveSibling(dir.getFileName() + ".gpg-stderr");
    String script =
        "set -o pipefail; gpg --batch --pinentry-mode loopback --passphrase \"$1\" --decrypt"
            + " \"$2\" 2>\"$4\" | tar -x -C \"$3\"";
    Commands.Output o =
        Commands.run(
            null,
            List.of(
                "env",
                "GNUPGHOME=" + home,
                "bash",
                "-c",
                script,
                "gpg-untar",
                passphrase,
                file.toString(),
                dir.toString(),
                err.toString()));
    String stderr = Files.readString(err);
    if (o.exitCode() != 0) {
      throw new IOException("gpg --decrypt " + file + " | tar -x failed: " + stderr + o.stderr());
    }
    return stderr;
  }

  private void gpg(String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("env", "GNUPGHOME=" + home, "gpg"));
    command.addAll(List.of(args));
    Commands.Output o = Commands.run(null, command);
    if (o.exitCode() != 0) {
      throw new IOException("gpg " + String.join(" ", args) + " failed: " + o.stderr());
    }
  }

  /** Stops the agent gpg started for this home, so no process outlives the test. */
  @Override
  public void close() throws IOException {
    Commands.run(null, List.of("env", "GNUPGHOME=" + home, "gpgconf", "--kill", "all"));
  }
}
