package dev.lbuvault.cli;

import dev.lbuvault.config.SizeOption;
import dev.lbuvault.recover.VolumeIdentity;
import dev.lbuvault.repo.HostNames;
import java.util.function.Function;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * picocli converters for option values the core would otherwise reject from deep inside a command.
 * Checking them while the command line is parsed makes a bad value exit 2 (usage) with picocli's
 * "Invalid value for option '--x'" naming the option, and leaves every {@link
 * IllegalArgumentException} thrown later to mean what it should: an internal invariant failing.
 */
final class OptionConverters {
  private OptionConverters() {}

  /** A host name, as it becomes a directory under {@code hosts/}. */
  static final class Host implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      return checked(value, HostNames::requireValid);
    }
  }

  /** A size in bytes: {@code 4G}, {@code 512M}, {@code 1048576}. */
  static final class Size implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      return checked(value, SizeOption::parse);
    }
  }

  /** A FAT volume id, {@code XXXX-XXXX} in hex; kept as text for the plan to print. */
  static final class VolumeId implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      checked(value, VolumeIdentity::parseVolumeId);
      return value;
    }
  }

  /** A FAT volume label; kept as given (case included) for the plan to normalise. */
  static final class Label implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      checked(value, VolumeIdentity::normalizeLabel);
      return value;
    }
  }

  /** A count that must be at least 1 (threads). */
  static final class Positive implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      int n;
      try {
        n = Integer.parseInt(value.strip());
      } catch (NumberFormatException e) {
        throw new TypeConversionException("'" + value + "' is not a whole number");
      }
      if (n < 1) {
        throw new TypeConversionException("must be at least 1, got " + n);
      }
      return n;
    }
  }

  private static <T> T checked(String value, Function<String, T> parse) {
    try {
      return parse.apply(value);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }
}
