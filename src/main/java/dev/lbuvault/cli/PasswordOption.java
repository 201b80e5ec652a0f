package dev.lbuvault.cli;

import dev.lbuvault.crypto.Password;
import dev.lbuvault.crypto.PasswordFile;
import dev.lbuvault.crypto.PasswordFileException;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The {@code --password-file} option of the commands that open encrypted apkovls. The password is
 * only ever read from a file (never an argument, which any user can see in {@code ps}); an unsafe
 * or unusable file is a usage error, exit 2.
 */
final class PasswordOption {
  @Option(
      names = "--password-file",
      paramLabel = "FILE",
      description = {
        "Password of encrypted apkovls, on the first line of FILE (as openssl enc -pass file:",
        "reads it); FILE must not be readable by group or others (chmod 600)."
      })
  Path passwordFile;

  /** The password, or empty without the option. */
  Optional<Password> read() throws CommandFailure {
    if (passwordFile == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(PasswordFile.read(passwordFile));
    } catch (PasswordFileException e) {
      throw new CommandFailure(ExitCodes.USAGE, e.getMessage());
    }
  }
}
