package dev.lbuvault.repo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A version's {@code SHA256SUMS}: the same text {@code sha256sum} writes and {@code sha256sum -c}
 * reads, so a user can check a version with nothing but coreutils. Names holding a backslash or a
 * newline use sha256sum's escaped form (a leading backslash on the line).
 */
public record ChecksumManifest(List<ManifestEntry> entries) {
  public ChecksumManifest {
    List<ManifestEntry> sorted = new ArrayList<>(entries);
    sorted.sort(Comparator.comparing(ManifestEntry::path));
    for (int i = 1; i < sorted.size(); i++) {
      if (sorted.get(i).path().equals(sorted.get(i - 1).path())) {
        throw new IllegalArgumentException("duplicate manifest path " + sorted.get(i).path());
      }
    }
    entries = List.copyOf(sorted);
  }

  /** The entries keyed by path, in path order. */
  public Map<String, String> byPath() {
    Map<String, String> map = new LinkedHashMap<>();
    for (ManifestEntry e : entries) {
      map.put(e.path(), e.sha256());
    }
    return map;
  }

  public String toText() {
    StringBuilder sb = new StringBuilder();
    for (ManifestEntry e : entries) {
      String p = e.path();
      if (p.indexOf('\\') >= 0 || p.indexOf('\n') >= 0) {
        sb.append('\\')
            .append(e.sha256())
            .append("  ")
            .append(p.replace("\\", "\\\\").replace("\n", "\\n"));
      } else {
        sb.append(e.sha256()).append("  ").append(p);
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  public static ChecksumManifest read(Path file) throws IOException {
    return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
  }

  /**
   * Parses sha256sum's output format.
   *
   * @throws IOException naming {@code where} and the line number of the first malformed line
   */
  public static ChecksumManifest parse(String text, String where) throws IOException {
    List<ManifestEntry> entries = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new StringReader(text))) {
      String line;
      int n = 0;
      while ((line = r.readLine()) != null) {
        n++;
        if (line.isEmpty()) {
          continue;
        }
        boolean escaped = line.startsWith("\\");
        String body = escaped ? line.substring(1) : line;
        if (body.length() < 67 || body.charAt(64) != ' ' || body.charAt(65) != ' ') {
          throw new IOException(where + " line " + n + ": not in sha256sum format");
        }
        String name = body.substring(66);
        if (escaped) {
          name = unescape(name);
        }
        try {
          entries.add(new ManifestEntry(name, body.substring(0, 64)));
        } catch (IllegalArgumentException e) {
          throw new IOException(where + " line " + n + ": " + e.getMessage(), e);
        }
      }
    }
    try {
      return new ChecksumManifest(entries);
    } catch (IllegalArgumentException e) {
      throw new IOException(where + ": " + e.getMessage(), e);
    }
  }

  private static String unescape(String s) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        char next = s.charAt(++i);
        sb.append(next == 'n' ? '\n' : next);
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}
