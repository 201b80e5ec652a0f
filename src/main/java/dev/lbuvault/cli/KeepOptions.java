package dev.lbuvault.cli;

import dev.lbuvault.retention.DurationParser;
import dev.lbuvault.retention.RetentionPolicy;
import java.time.Duration;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * The {@code --keep-*} retention options, shared by {@code prune} (applied to the repository) and
 * {@code replicate} (applied to the target), so both read a policy the same way.
 */
final class KeepOptions {
  @Option(
      names = "--keep-last",
      paramLabel = "N",
      defaultValue = "0",
      description = "Keep the N newest versions.")
  int keepLast;

  @Option(
      names = "--keep-daily",
      paramLabel = "N",
      defaultValue = "0",
      description = "Keep the newest version of each of the N newest days that have one.")
  int keepDaily;

  @Option(
      names = "--keep-weekly",
      paramLabel = "N",
      defaultValue = "0",
      description = "... of each of N ISO weeks.")
  int keepWeekly;

  @Option(
      names = "--keep-monthly",
      paramLabel = "N",
      defaultValue = "0",
      description = "... of each of N months.")
  int keepMonthly;

  @Option(
      names = "--keep-yearly",
      paramLabel = "N",
      defaultValue = "0",
      description = "... of each of N years.")
  int keepYearly;

  @Option(
      names = "--keep-within",
      paramLabel = "DURATION",
      description = "Keep every version taken within DURATION of the newest (e.g. 7d, 36h).")
  String keepWithin;

  /** The policy the options describe; a bad value is a usage error naming the option. */
  RetentionPolicy policy(CommandSpec spec) {
    Duration within =
        keepWithin == null
            ? Duration.ZERO
            : OptionValues.convert(spec, "--keep-within", () -> DurationParser.parse(keepWithin));
    return OptionValues.convert(
        spec,
        () ->
            new RetentionPolicy(keepLast, keepDaily, keepWeekly, keepMonthly, keepYearly, within));
  }
}
