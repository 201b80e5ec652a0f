package dev.lbuvault.cli;

import dev.lbuvault.BuildInfo;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;

/**
 * The top-level {@code lbuvault} command; every action is a subcommand. The subcommands are listed
 * here rather than in the annotation so that a run builds picocli's model of only the one it runs:
 * modelling all fifteen cost a cold JVM 0.15-0.3 s of CPU ({@code lbuvault --version}, which still
 * models them, against {@code lbuvault init --help}), which a cron-driven backup of an unchanged
 * card would pay every night.
 */
@Command(
    name = "lbuvault",
    mixinStandardHelpOptions = true,
    versionProvider = LbuvaultCommand.Version.class,
    description = "Versioned, checksummed backups of a diskless Alpine host's SD card.",
    footer = {
      "",
      "Exit codes: 0 ok, 1 failure, 2 usage, 3 refused as unsafe, 4 verification found damage,",
      "            5 source busy (lbu commit in progress)."
    })
public final class LbuvaultCommand implements Runnable {
  /** Every subcommand, in the order {@code lbuvault --help} lists them. */
  static final List<Subcommand> SUBCOMMANDS =
      List.of(
          new Subcommand("init", InitCommand.class),
          new Subcommand("backup", BackupCommand.class),
          new Subcommand("list", ListCommand.class),
          new Subcommand("show", ShowCommand.class),
          new Subcommand("verify", VerifyCommand.class),
          new Subcommand("prune", PruneCommand.class),
          new Subcommand("recover", RecoverCommand.class),
          new Subcommand("inspect", InspectCommand.class),
          new Subcommand("daemon", DaemonCommand.class),
          new Subcommand("diff", DiffCommand.class),
          new Subcommand("status", StatusCommand.class),
          new Subcommand("replicate", ReplicateCommand.class),
          new Subcommand("receive", ReceiveCommand.class),
          new Subcommand("export", ExportCommand.class),
          new Subcommand("import", ImportCommand.class));

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  /**
   * A subcommand's name and its class. The name repeats the class's {@code @Command} name (a test
   * checks they agree) because reading the annotation here would parse all fifteen at start-up.
   */
  record Subcommand(String name, Class<?> type) {
    Subcommand {
      if (name.isBlank()) {
        throw new IllegalArgumentException("a subcommand needs a name: " + type);
      }
    }
  }

  /** The subcommand called {@code name}, if there is one. */
  static Optional<Subcommand> subcommand(String name) {
    for (Subcommand s : SUBCOMMANDS) {
      if (s.name().equals(name)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

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
