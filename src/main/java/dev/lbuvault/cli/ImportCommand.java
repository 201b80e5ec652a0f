package dev.lbuvault.cli;

import dev.lbuvault.config.DurationOption;
import dev.lbuvault.crypto.OpenPgpKeyException;
import dev.lbuvault.crypto.OpenPgpSecretKeys;
import dev.lbuvault.crypto.OpenPgpSigner;
import dev.lbuvault.export.ImportReport;
import dev.lbuvault.export.Importer;
import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.repo.Repository;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lbuvault import}: brings exported versions back into a repository. */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description = {
      "Decrypt every version of an export directory with the secret key and bring those the",
      "repository lacks back into it (created when missing), each checked against the export's",
      "SHA256SUMS, its OpenPGP integrity packet (and signature) and its own checksums first.",
      "Exit 0 when all are in, 4 when an export file is damaged (named), 1 for other failures."
    })
final class ImportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin RepoOptions repoOptions;
  @Mixin PasswordOption passwordOption;

  @Option(
      names = "--from",
      paramLabel = "DIR",
      required = true,
      description = "Export directory written by lbuvault export.")
  Path from;

  @Option(
      names = "--secret-key",
      paramLabel = "SECKEYFILE",
      required = true,
      description = {
        "Recipient's secret key (gpg --export-secret-keys KEYID > FILE); its passphrase, if any,",
        "on the first line of --password-file."
      })
  Path secretKey;

  @Option(
      names = "--signer",
      paramLabel = "PUBKEYFILE",
      description = "Require every export to be signed by this public key.")
  Path signerKey;

  @Option(
      names = "--lock-wait",
      paramLabel = "DURATION",
      defaultValue = "0s",
      description = "Wait this long for another writer of the repository to finish.")
  String lockWait;

  @Override
  public Integer call() throws Exception {
    Duration wait = OptionValues.convert(spec, "--lock-wait", () -> DurationOption.parse(lockWait));
    ProcessRunner runner = ProcessRunner.system();
    Path repoDir = repoOptions.repo;
    Repository repo =
        Files.exists(repoDir.resolve(Repository.MARKER_FILE))
            ? Repository.open(repoDir, runner)
            : Repository.init(repoDir, null, Clock.systemUTC(), runner);
    ImportReport report;
    try {
      OpenPgpSecretKeys keys = OpenPgpSecretKeys.read(secretKey, passwordOption.read());
      Optional<OpenPgpSigner> signer =
          signerKey == null ? Optional.empty() : Optional.of(OpenPgpSigner.read(signerKey));
      report =
          new Importer(repo, from, keys, signer, Clock.systemUTC())
              .importAll(repoOptions.host(), wait);
    } catch (OpenPgpKeyException e) {
      throw new CommandFailure(ExitCodes.USAGE, e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    for (String line : report.imported()) {
      out.println("imported " + line);
    }
    PrintWriter err = spec.commandLine().getErr();
    report.damaged().forEach(d -> err.println("lbuvault: damaged: " + d));
    report.failures().forEach(f -> err.println("lbuvault: " + f));
    out.printf(
        "imported %d version(s) into %s; %d already there; %d damaged; %d failed%n",
        report.imported().size(),
        repo.root(),
        report.alreadyThere(),
        report.damaged().size(),
        report.failures().size());
    if (!report.damaged().isEmpty()) {
      return ExitCodes.DAMAGED;
    }
    return report.failures().isEmpty() ? ExitCodes.OK : ExitCodes.FAILURE;
  }
}
