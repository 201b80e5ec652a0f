package dev.lbuvault.cli;

import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The {@code --repo} and {@code --host} options shared by the repository commands. */
final class RepoOptions {
  @Option(
      names = "--repo",
      paramLabel = "DIR",
      required = true,
      defaultValue = "${env:LBUVAULT_REPO}",
      description = "Repository directory (default: $LBUVAULT_REPO).")
  Path repo;

  @Option(
      names = "--host",
      paramLabel = "NAME",
      converter = OptionConverters.Host.class,
      description = "Host whose versions to use (default: the only host in the repository).")
  String host;

  Optional<String> host() {
    return Optional.ofNullable(host);
  }
}
