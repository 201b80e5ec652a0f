package dev.lbuvault.cli;

import dev.lbuvault.crypto.OpenPgpKeyException;
import dev.lbuvault.crypto.OpenPgpRecipient;
import dev.lbuvault.crypto.OpenPgpSecretKeys;
import dev.lbuvault.export.ExportReport;
import dev.lbuvault.export.Exporter;
import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.repo.Repository;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lbuvault export}: OpenPGP-encrypted copies of versions for a disk nobody trusts. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Encrypt every version not yet exported to the recipient's OpenPGP public key (AES-256),",
      "one opaque .pgp file per version, listed with its ciphertext SHA-256 in DIR/SHA256SUMS.",
      "Each decrypts with gpg to a tar of the version: gpg -d F | tar -x; sha256sum -c SHA256SUMS.",
      "Exit 0 when every version is exported, 1 when one could not be, 2 for a bad key file."
    })
final class ExportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin RepoOptions repoOptions;
  @Mixin PasswordOption passwordOption;

  @Option(
      names = "--to",
      paramLabel = "DIR",
      required = true,
      description = "Export directory (created when missing).")
  Path to;

  @Option(
      names = "--recipient",
      paramLabel = "PUBKEYFILE",
      required = true,
      description = "Recipient's public key, armored or binary (gpg --export KEYID > FILE).")
  Path recipient;

  @Option(
      names = "--sign-key",
      paramLabel = "SECKEYFILE",
      description = {
        "Sign each export with this secret key (gpg --export-secret-keys); its passphrase, if",
        "any, on the first line of --password-file."
      })
  Path signKey;

  @Override
  public Integer call() throws Exception {
    Repository repo = Repository.open(repoOptions.repo, ProcessRunner.system());
    List<String> hosts =
        repoOptions.host().isPresent() ? List.of(repo.resolveHost(repoOptions.host())) : List.of();
    ExportReport report;
    try {
      OpenPgpRecipient key = OpenPgpRecipient.read(recipient, new Date());
      Optional<OpenPgpSecretKeys> signer =
          signKey == null
              ? Optional.empty()
              : Optional.of(OpenPgpSecretKeys.read(signKey, passwordOption.read()));
      report = new Exporter(repo, to, key, signer).export(hosts);
    } catch (OpenPgpKeyException e) {
      throw new CommandFailure(ExitCodes.USAGE, e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    for (String line : report.exported()) {
      out.println("exported " + line);
    }
    for (String f : report.failures()) {
      spec.commandLine().getErr().println("lbuvault: " + f);
    }
    out.printf(
        "exported %d version(s) to %s; %d already there%s%n",
        report.exported().size(),
        to.toAbsolutePath().normalize(),
        report.alreadyThere(),
        report.ok() ? "" : "; " + report.failures().size() + " failed (see above)");
    return report.ok() ? ExitCodes.OK : ExitCodes.FAILURE;
  }
}
