package dev.lbuvault.cli;

import dev.lbuvault.BuildInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;

/** The top-level {@code lbuvault} command; every action is a subcommand. */
@Command(
    name = "lbuvault",
    mixinStandardHelpOptions = true,
    versionProvider = LbuvaultCommand.Version.class,
    description = "Versioned, checksummed backups of a diskless Alpine host's SD card.",
    subcommands = {
      InitCommand.class,
      BackupCommand.class,
      ListCommand.class,
      ShowCommand.class,
      VerifyCommand.class,
      PruneCommand.class,
      RecoverCommand.class,
      InspectCommand.class,
      DaemonCommand.class,
      DiffCommand.class,
      StatusCommand.class,
      ReplicateCommand.class,
      ReceiveCommand.class,
      ExportCommand.class,
      ImportCommand.class
    },
    footer = {
      "",
      "Exit codes: 0 ok, 1 failure, 2 usage, 3 refused as unsafe, 4 verification found damage,",
      "            5 source busy (lbu commit in progress)."
    })
public final class LbuvaultCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing command");
  }

  /** Reports the jar's version. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"lbuvault " + BuildInfo.version()};
    }
  }
}
