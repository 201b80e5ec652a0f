package dev.lbuvault.cli;

import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.replicate.ReceiveRefusedException;
import dev.lbuvault.replicate.ReceiveRequest;
import dev.lbuvault.replicate.Receiver;
import dev.lbuvault.replicate.ReplicaListing;
import dev.lbuvault.replicate.RestrictedPath;
import dev.lbuvault.replicate.TargetPathException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
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
      "preparing the repository and receiving a btrfs send stream into it, under --restrict-path.",
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

  @Override
  public Integer call() throws Exception {
    Optional<ReplicaListing> listing;
    try {
      RestrictedPath restriction = RestrictedPath.of(restrictPath);
      ReceiveRequest request = ReceiveRequest.parse(System.getenv(ENV));
      listing =
          new Receiver(restriction, ProcessRunner.system(), Clock.systemUTC()).answer(request);
    } catch (ReceiveRefusedException e) {
      throw new CommandFailure(ExitCodes.UNSAFE, e.getMessage());
    } catch (TargetPathException e) {
      throw new CommandFailure(ExitCodes.SSH_NO_PATH, e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    listing.ifPresent(l -> out.print(l.write()));
    out.flush();
    return ExitCodes.OK;
  }
}
