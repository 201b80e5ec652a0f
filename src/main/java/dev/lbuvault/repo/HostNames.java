package dev.lbuvault.repo;

import java.util.regex.Pattern;

/** The rule for host names, which become directory names in the repository. */
public final class HostNames {
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

  private HostNames() {}

  public static boolean isValid(String host) {
    return host != null && VALID.matcher(host).matches();
  }

  public static String requireValid(String host) {
    if (!isValid(host)) {
      throw new IllegalArgumentException(
          "invalid host name \""
              + host
              + "\": use letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
    return host;
  }
}
