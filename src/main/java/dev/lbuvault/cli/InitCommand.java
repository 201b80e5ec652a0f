package dev.lbuvault.cli;

import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.repo.Repository;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lbuvault init}: creates a repository, choosing the btrfs backend on btrfs. */
@Command(
    name = "init",
    mixinStandardHelpOptions = true,
    description = "Create a repository (btrfs snapshots when DIR is on btrfs, else plain).")
final class InitCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--repo",
      paramLabel = "DIR",
      required = true,
      defaultValue = "${env:LBUVAULT_REPO}",
      description = "Directory to create (must be empty or missing; default: $LBUVAULT_REPO).")
  Path repo;

  @Option(
      names = "--backend",
      paramLabel = "auto|btrfs|plain",
      defaultValue = "auto",
      description = "Snapshot backend (default: ${DEFAULT-VALUE}: btrfs if DIR is on btrfs).")
  String backend;

  @Override
  public Integer call() throws Exception {
    String chosen =
        switch (backend) {
          case "auto" -> null;
          case "btrfs", "plain" -> backend;
          default ->
              throw new picocli.CommandLine.ParameterException(
                  spec.commandLine(),
                  "--backend must be auto, btrfs or plain, got \"" + backend + "\"");
        };
    Repository r = Repository.init(repo, chosen, Clock.systemUTC(), ProcessRunner.system());
    spec.commandLine()
        .getOut()
        .printf("created repository %s (backend %s)%n", r.root(), r.marker().backend());
    return ExitCodes.OK;
  }
}
