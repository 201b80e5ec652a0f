package dev.lbuvault.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * Encrypts files with the real {@code openssl enc}, as lbu does when {@code ENCRYPTION} is set. The
 * password always travels through a 0600 file ({@code -pass file:}), never through argv.
 */
public final class Openssl {
  /** Every cipher lbuvault promises to decrypt. */
  public static final List<String> CIPHERS =
      List.of(
          "aes-128-cbc",
          "aes-192-cbc",
          "aes-256-cbc",
          "aes-128-cfb",
          "aes-192-cfb",
          "aes-256-cfb",
          "aes-128-cfb8",
          "aes-192-cfb8",
          "aes-256-cfb8",
          "aes-128-ofb",
          "aes-192-ofb",
          "aes-256-ofb",
          "aes-128-ctr",
          "aes-192-ctr",
          "aes-256-ctr");

  /** How openssl derives the key: lbu's default (no option), {@code -md md5}, {@code -pbkdf2}. */
  public enum Kdf {
    DEFAULT(List.of()),
    MD5(List.of("-md", "md5")),
    SHA256(List.of("-md", "sha256")),
    PBKDF2(List.of("-pbkdf2"));

    final List<String> options;

    Kdf(List<String> options) {
      this.options = options;
    }
  }

  private Openssl() {}

  /** Writes {@code password} and a newline to a new 0600 file. */
  public static Path passwordFile(Path file, String password) throws IOException {
    Files.writeString(file, password + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    return file;
  }

  /** {@code openssl enc -<cipher> -salt -pass file:<passwordFile> [kdf] -in plain -out out}. */
  public static Path encrypt(Path plain, Path out, String cipher, Kdf kdf, Path passwordFile)
      throws IOException {
    Path openssl = Tools.require("openssl");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                openssl.toString(), "enc", "-" + cipher, "-salt", "-pass", "file:" + passwordFile));
    cmd.addAll(kdf.options);
    cmd.addAll(List.of("-in", plain.toString(), "-out", out.toString()));
    Commands.check(null, cmd.toArray(String[]::new));
    return out;
  }

  /**
   * Makes {@code <host>.apkovl.tar.gz.<cipher>} in {@code dir} from {@code root} with lbu's own
   * pipeline: {@code tar -c ... | gzip | openssl enc -<cipher> -salt -pass ...}.
   */
  public static Path lbuApkovl(Path root, Path dir, String host, String cipher, Path passwordFile)
      throws IOException {
    Tools.require("tar");
    Tools.require("gzip");
    Path openssl = Tools.require("openssl");
    Path out = dir.resolve(host + ".apkovl.tar.gz." + cipher);
    Commands.check(
        root,
        "sh",
        "-c",
        "tar -c --no-recursion $(find etc -print | sort) | gzip -9 | \"$1\" enc -\"$2\" -salt"
            + " -pass file:\"$3\" > \"$4\"",
        "sh",
        openssl.toString(),
        cipher,
        passwordFile.toString(),
        out.toString());
    return out;
  }
}
