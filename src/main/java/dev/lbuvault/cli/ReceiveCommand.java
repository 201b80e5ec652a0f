package dev.lbuvault.cli;

import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.replicate.ReceiveRefusedException;
import dev.lbuvault.replicate.ReceiveRequest;
import dev.lbuvault.replicate.Receiver;
import dev.lbuvault.replicate.RestrictedPath;
import dev.lbuvault.replicate.TargetPathException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lbuvault receive}: the far side of {@code replicate --to ssh://...}, run by sshd as the
 * forced command of one key. The request comes from {@code SSH_ORIGINAL_COMMAND}, never from this
 * command line, so the key can do only what {@link ReceiveRequest} allows, inside the one path.
 */
@Command(
    name = "receive",
    mixinStandardHelpOptions = true,
    description = {
      "The far side of replicate --to ssh://HOST/PATH, for an authorized_keys line:",
      "  command=\"/usr/local/bin/lbuvault receive --restrict-path /srv/replica\",restrict ssh-ed25519"
          + " ...",
      "It reads the request from SSH_ORIGINAL_COMMAND and allows only listing a host's versions,",
      "preparing the repository and receiving a btrfs send stream into it, under --restrict-path;",
      "with --allow-prune also applying replicate's --keep-* rules there.",
      "Anything else is refused with exit 3; a missing DIR, a missing parent of the",
      "repository or a path holding something else exits 8."
    })
final class ReceiveCommand implements Callable<Integer> {
  static final String ENV = "SSH_ORIGINAL_COMMAND";

  @Spec CommandSpec spec;

  @Option(
      names = "--restrict-path",
      paramLabel = "DIR",
      required = true,
      description = "The only directory (and below) this key may replicate into.")
  Path restrictPath;

  @Option(
      names = "--allow-prune",
      description = {
        "Let this key remove versions by replicate --keep-* rules (never a host's newest",
        "version, nor the newest one both sides hold). Without it a prune request is refused."
      })
  boolean allowPrune;

  @Override
  public Integer call() throws Exception {
    String answer;
    try {
      RestrictedPath restriction = RestrictedPath.of(restrictPath);
      ReceiveRequest request = ReceiveRequest.parse(System.getenv(ENV));
      answer =
          new Receiver(restriction, allowPrune, ProcessRunner.system(), Clock.systemUTC())
              .answer(request);
    } catch (ReceiveRefusedException e) {
      throw new CommandFailure(ExitCodes.UNSAFE, e.getMessage());
    } catch (TargetPathException e) {
      throw new CommandFailure(ExitCodes.SSH_NO_PATH, e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    out.print(answer);
    out.flush();
    return ExitCodes.OK;
  }
}
