package dev.lbuvault.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * lbuvault's configuration file: {@code key = value} lines, {@code #} comments (whole lines, or
 * after a value when preceded by a space), blank lines ignored, values optionally in double quotes
 * (needed only to keep a {@code " #"} in a value). Keys are checked against the known set, so a
 * typo is an error instead of a silently ignored setting; a key given twice is an error too.
 */
public final class ConfigFile {
  private static final Pattern LINE = Pattern.compile("\\s*([A-Za-z0-9._-]+)\\s*=\\s*(.*?)\\s*");

  private final Path path;
  private final Map<String, String> values;

  private ConfigFile(Path path, Map<String, String> values) {
    this.path = path;
    this.values = Collections.unmodifiableMap(values);
  }

  /**
   * Reads {@code path}. A missing file is an empty configuration when {@code required} is false
   * (the default location), and an error when the user named the file.
   *
   * @throws ConfigException naming the file and line of the first defect
   */
  public static ConfigFile read(Path path, boolean required, Set<String> knownKeys)
      throws IOException {
    List<String> lines;
    try {
      requireSafeOwnership(path);
      lines = Files.readAllLines(path, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      if (required) {
        throw new ConfigException("config file " + path + " does not exist");
      }
      return new ConfigFile(path, new LinkedHashMap<>());
    } catch (java.nio.charset.MalformedInputException e) {
      throw new ConfigException("config file " + path + " is not UTF-8 text", e);
    }
    return new ConfigFile(path, parse(path.toString(), lines, knownKeys));
  }

  /**
   * Refuses a file that someone other than root or the user running lbuvault could change: it names
   * the repository, the source and a password file, so whoever can write it can make the daemon
   * read or expose another file. The same rule as ssh's StrictModes.
   */
  private static void requireSafeOwnership(Path path) throws IOException {
    PosixFileAttributes attrs = Files.readAttributes(path, PosixFileAttributes.class);
    Set<PosixFilePermission> mode = attrs.permissions();
    if (mode.contains(PosixFilePermission.GROUP_WRITE)
        || mode.contains(PosixFilePermission.OTHERS_WRITE)) {
      throw new ConfigException(
          "config file "
              + path
              + " is writable by group or others ("
              + PosixFilePermissions.toString(mode)
              + "): refused, since whoever can change it controls what lbuvault reads; fix with:"
              + " chmod go-w "
              + path);
    }
    String owner = attrs.owner().getName();
    String self = System.getProperty("user.name");
    if (!"root".equals(owner) && !owner.equals(self)) {
      throw new ConfigException(
          "config file "
              + path
              + " is owned by "
              + owner
              + ", neither root nor "
              + self
              + " who runs lbuvault: refused; fix with: chown root "
              + path
              + " (or "
              + self
              + ")");
    }
  }

  /** Parses the lines of a file named {@code where} (for messages). */
  public static Map<String, String> parse(String where, List<String> lines, Set<String> knownKeys) {
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) {
        continue;
      }
      String at = where + " line " + (i + 1);
      Matcher m = LINE.matcher(line);
      if (!m.matches()) {
        throw new ConfigException(at + ": expected \"key = value\", got \"" + trimmed + "\"");
      }
      String key = m.group(1);
      if (!knownKeys.contains(key)) {
        throw new ConfigException(
            at
                + ": unknown key \""
                + key
                + "\" (known keys: "
                + String.join(", ", knownKeys)
                + ")");
      }
      if (values.containsKey(key)) {
        throw new ConfigException(at + ": " + key + " is set twice; keep one line");
      }
      values.put(key, value(at, m.group(2)));
    }
    return values;
  }

  private static String value(String at, String raw) {
    if (raw.startsWith("\"")) {
      int end = raw.indexOf('"', 1);
      String rest = end < 0 ? "" : raw.substring(end + 1).strip();
      if (end < 0 || !(rest.isEmpty() || rest.startsWith("#"))) {
        throw new ConfigException(at + ": unbalanced quotes in " + raw);
      }
      return raw.substring(1, end);
    }
    int comment = raw.indexOf(" #");
    if (comment < 0) {
      comment = raw.indexOf("\t#");
    }
    return comment >= 0 ? raw.substring(0, comment).strip() : raw;
  }

  public Path path() {
    return path;
  }

  /** The values by key, in file order. */
  public Map<String, String> values() {
    return values;
  }

  public Optional<String> get(String key) {
    return Optional.ofNullable(values.get(key));
  }
}
