package dev.lbuvault.repo;

import java.util.regex.Pattern;

/**
 * One line of {@code SHA256SUMS}: a file's path relative to the version directory (always under
 * {@code card/}, separated by '/') and its SHA-256 as 64 lower-case hex digits.
 */
public record ManifestEntry(String path, String sha256) {
  private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

  public ManifestEntry {
    if (path == null || path.isEmpty() || path.startsWith("/") || path.contains("\0")) {
      throw new IllegalArgumentException("invalid manifest path \"" + path + "\"");
    }
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException("invalid manifest path \"" + path + "\"");
      }
    }
    if (sha256 == null || !HEX.matcher(sha256).matches()) {
      throw new IllegalArgumentException(
          "invalid SHA-256 \"" + sha256 + "\" for " + path + ": expected 64 lower-case hex digits");
    }
  }
}
