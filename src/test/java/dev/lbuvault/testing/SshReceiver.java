package dev.lbuvault.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The far side of the ssh replicate tests: a real sshd on 127.0.0.1 ({@link #sshd()}) and this
 * build's CLI behind a launcher script as installed on a far host ({@link #launcher()}), which
 * {@link #authorize} names in the restricted authorized_keys line of docs/offsite.md ({@code
 * command="lbuvault receive --restrict-path DIR [--allow-prune]",restrict}). Registered with
 * {@code @RegisterExtension}: started before each test (before the class's own {@code @BeforeEach},
 * which authorizes what it needs), stopped after it.
 */
public final class SshReceiver implements BeforeEachCallback, AfterEachCallback {
  private Path work;
  private Sshd sshd;
  private Path launcher;

  /** Starts the sshd and writes the launcher in a temporary directory of its own. */
  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    work = Files.createTempDirectory("lbuvault-ssh-receiver-");
    launcher = CliProcess.launcher(work.resolve("bin"));
    sshd = Sshd.start();
  }

  /** Stops the sshd, then deletes the directory. */
  @Override
  public void afterEach(ExtensionContext context) throws IOException {
    try {
      if (sshd != null) {
        sshd.close();
      }
    } finally {
      if (work != null) {
        Commands.check(null, "rm", "-rf", work.toString());
      }
    }
  }

  public Sshd sshd() {
    return sshd;
  }

  /** The far host's {@code lbuvault}: a launcher of this build's CLI. */
  public Path launcher() {
    return launcher;
  }

  /** {@code key} may run only {@code lbuvault receive --restrict-path RESTRICT}. */
  public void authorize(Path key, Path restrict, boolean allowPrune) throws IOException {
    authorizeThrough(key, launcher, restrict, allowPrune);
  }

  /**
   * Like {@link #authorize}, with {@code program} in the launcher's place: a wrapper that ends by
   * running the launcher (to inject a far-side fault), or a path with no lbuvault at all.
   */
  public void authorizeThrough(Path key, Path program, Path restrict, boolean allowPrune)
      throws IOException {
    sshd.authorizeForcedCommand(
        key,
        program + " receive --restrict-path " + restrict + (allowPrune ? " --allow-prune" : ""));
  }

  /**
   * Runs {@code lbuvault replicate --repo SOURCE --to TO} in this JVM with {@code key} and {@code
   * sshOptions} (as {@code --ssh-identity} and {@code --ssh-option}), then {@code extra}.
   */
  public Cli.Result replicate(
      String source, String to, Path key, List<String> sshOptions, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of("replicate", "--repo", source, "--to", to, "--ssh-identity", key.toString()));
    for (String o : sshOptions) {
      args.addAll(List.of("--ssh-option", o));
    }
    args.addAll(List.of(extra));
    return Cli.run(args.toArray(String[]::new));
  }

  /** {@link #replicate(String, String, Path, List, String...)} with the server's own key. */
  public Cli.Result replicate(String source, String to, String... extra) {
    return replicate(source, to, sshd.identity(), sshd.sshOptions(), extra);
  }
}
