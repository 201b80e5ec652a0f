package dev.lbuvault.config;

/**
 * A configuration value or file that cannot be used. It is an {@link IllegalArgumentException}
 * because the command line maps those to exit code 2 (usage): the fix is in the configuration, and
 * the message names the key, the value and what is allowed.
 */
public final class ConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }

  /** {@code KEY = "VALUE": PROBLEM}, the one shape of every bad-value message. */
  public static ConfigException badValue(String key, String value, String problem) {
    return new ConfigException(key + " = \"" + value + "\": " + problem);
  }
}
