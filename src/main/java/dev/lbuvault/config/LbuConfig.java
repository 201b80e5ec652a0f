package dev.lbuvault.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parts of Alpine's {@code /etc/lbu/lbu.conf} that tell where lbu writes: {@code LBU_MEDIA}
 * (the card is then {@code /media/$LBU_MEDIA}) or {@code LBU_BACKUPDIR}. The file is shell; only
 * plain {@code NAME=value} assignments (optionally quoted, optionally {@code export}ed) are read,
 * which is all that setup-lbu writes.
 */
public record LbuConfig(Optional<String> media, Optional<String> backupDir) {
  private static final Pattern ASSIGNMENT =
      Pattern.compile("^\\s*(?:export\\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$");

  public static LbuConfig read(Path file) throws IOException {
    try {
      return parse(Files.readAllLines(file, StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      return new LbuConfig(Optional.empty(), Optional.empty());
    }
  }

  public static LbuConfig parse(List<String> lines) {
    Map<String, String> vars = new HashMap<>();
    for (String line : lines) {
      Matcher m = ASSIGNMENT.matcher(line);
      if (m.matches()) {
        vars.put(m.group(1), unquote(m.group(2)));
      }
    }
    return new LbuConfig(nonEmpty(vars.get("LBU_MEDIA")), nonEmpty(vars.get("LBU_BACKUPDIR")));
  }

  /** The directory lbu writes to, as lbu itself decides: LBU_BACKUPDIR wins over LBU_MEDIA. */
  public Optional<Path> sourceDir() {
    if (backupDir.isPresent()) {
      return Optional.of(Path.of(backupDir.get()));
    }
    return media.map(m -> Path.of("/media").resolve(m));
  }

  private static Optional<String> nonEmpty(String s) {
    return s == null || s.isBlank() ? Optional.empty() : Optional.of(s);
  }

  private static String unquote(String raw) {
    String v = raw.strip();
    if (v.length() >= 2
        && ((v.startsWith("\"") && v.endsWith("\"")) || (v.startsWith("'") && v.endsWith("'")))) {
      return v.substring(1, v.length() - 1);
    }
    int comment = v.indexOf(" #");
    return comment >= 0 ? v.substring(0, comment).strip() : v;
  }
}
