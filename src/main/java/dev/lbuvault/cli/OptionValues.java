package dev.lbuvault.cli;

import java.util.function.Supplier;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * Turns an option's value into what the core needs, as a command-line mistake when it cannot be.
 * The core's parsers and records throw {@link IllegalArgumentException} for bad values; only here,
 * where the value is known to come from the command line, does that become exit 2 (usage) naming
 * the option. Anywhere else an {@link IllegalArgumentException} is an internal invariant failing.
 */
final class OptionValues {
  private OptionValues() {}

  /** {@code conversion}'s result, or a usage error naming {@code option}. */
  static <T> T convert(CommandSpec spec, String option, Supplier<T> conversion) {
    try {
      return conversion.get();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), option + ": " + e.getMessage(), e);
    }
  }

  /** {@code conversion}'s result, or a usage error with its message (which names the option). */
  static <T> T convert(CommandSpec spec, Supplier<T> conversion) {
    try {
      return conversion.get();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
  }
}
