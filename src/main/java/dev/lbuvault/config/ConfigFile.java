package dev.lbuvault.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
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
 * typo is an error instead of a silently ignored setting; a key given twice is an error too. A line
 * {@code [KIND NAME]} starts a {@link Section} (for example {@code [host pi2]}): the lines after
 * it, up to the next header, are that section's keys, checked against the keys its kind allows.
 */
public final class ConfigFile {
  private static final Pattern LINE = Pattern.compile("\\s*([A-Za-z0-9._-]+)\\s*=\\s*(.*?)\\s*");
  private static final Pattern HEADER =
      Pattern.compile("\\s*\\[\\s*([a-z]+)\\s+([A-Za-z0-9][A-Za-z0-9._-]*)\\s*]\\s*(#.*)?");

  /**
   * One {@code [KIND NAME]} section and its keys.
   *
   * @param kind the word before the name ({@code host}, {@code replicate})
   * @param name the name after it
   * @param where the file and line of the header, for messages
   * @param values the section's keys, in file order
   */
  public record Section(String kind, String name, String where, Map<String, String> values) {
    public Section {
      values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }
  }

  private final Path path;
  private final Map<String, String> values;
  private final List<Section> sections;

  private ConfigFile(Path path, Map<String, String> values, List<Section> sections) {
    this.path = path;
    this.values = Collections.unmodifiableMap(values);
    this.sections = List.copyOf(sections);
  }

  /**
   * Reads {@code path}. A missing file is an empty configuration when {@code required} is false
   * (the default location), and an error when the user named the file.
   *
   * @throws ConfigException naming the file and line of the first defect
   */
  public static ConfigFile read(Path path, boolean required, Set<String> knownKeys)
      throws IOException {
    return read(path, required, knownKeys, Map.of());
  }

  /**
   * Reads {@code path} with sections: {@code sectionKeys} maps each allowed section kind to the
   * keys it may hold; any other kind is an error naming the allowed ones.
   *
   * @throws ConfigException naming the file and line of the first defect
   */
  public static ConfigFile read(
      Path path, boolean required, Set<String> knownKeys, Map<String, Set<String>> sectionKeys)
      throws IOException {
    List<String> lines;
    try {
      requireSafeOwnership(path);
      lines = Files.readAllLines(path, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      if (required) {
        throw new ConfigException("config file " + path + " does not exist");
      }
      return new ConfigFile(path, new LinkedHashMap<>(), List.of());
    } catch (java.nio.charset.MalformedInputException e) {
      throw new ConfigException("config file " + path + " is not UTF-8 text", e);
    }
    List<Section> sections = new ArrayList<>();
    Map<String, String> top = parse(path.toString(), lines, knownKeys, sectionKeys, sections);
    return new ConfigFile(path, top, sections);
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

  /** Parses the lines of a file named {@code where} (for messages); no sections allowed. */
  public static Map<String, String> parse(String where, List<String> lines, Set<String> knownKeys) {
    return parse(where, lines, knownKeys, Map.of(), new ArrayList<>());
  }

  /**
   * Parses the lines of a file named {@code where}: returns the keys before the first section and
   * adds each section to {@code sections}.
   */
  public static Map<String, String> parse(
      String where,
      List<String> lines,
      Set<String> knownKeys,
      Map<String, Set<String>> sectionKeys,
      List<Section> sections) {
    Map<String, String> top = new LinkedHashMap<>();
    Map<String, String> values = top;
    Set<String> allowed = knownKeys;
    String kind = null;
    String name = null;
    String header = null;
    Set<String> seen = new LinkedHashSet<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) {
        continue;
      }
      String at = where + " line " + (i + 1);
      if (trimmed.startsWith("[")) {
        if (kind != null) {
          sections.add(new Section(kind, name, header, values));
        }
        Matcher h = HEADER.matcher(line);
        if (!h.matches()) {
          throw new ConfigException(
              at + ": expected a section header such as [host pi2], got \"" + trimmed + "\"");
        }
        kind = h.group(1);
        name = h.group(2);
        header = at;
        allowed = sectionKeys.get(kind);
        if (allowed == null) {
          throw new ConfigException(
              at
                  + ": unknown section kind \""
                  + kind
                  + "\""
                  + (sectionKeys.isEmpty()
                      ? " (this file takes no sections)"
                      : " (known: " + String.join(", ", sectionKeys.keySet()) + ")"));
        }
        if (!seen.add(kind + " " + name)) {
          throw new ConfigException(at + ": [" + kind + " " + name + "] appears twice; keep one");
        }
        values = new LinkedHashMap<>();
        continue;
      }
      Matcher m = LINE.matcher(line);
      if (!m.matches()) {
        throw new ConfigException(at + ": expected \"key = value\", got \"" + trimmed + "\"");
      }
      String key = m.group(1);
      if (!allowed.contains(key)) {
        throw new ConfigException(
            at
                + ": unknown key \""
                + key
                + "\""
                + (kind == null ? "" : " in [" + kind + " " + name + "]")
                + " (known keys: "
                + String.join(", ", allowed)
                + ")");
      }
      if (values.containsKey(key)) {
        throw new ConfigException(at + ": " + key + " is set twice; keep one line");
      }
      values.put(key, value(at, m.group(2)));
    }
    if (kind != null) {
      sections.add(new Section(kind, name, header, values));
    }
    return top;
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

  /** The {@code [KIND NAME]} sections, in file order. */
  public List<Section> sections() {
    return sections;
  }

  public Optional<String> get(String key) {
    return Optional.ofNullable(values.get(key));
  }
}
