package dev.lbuvault.source;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a scan of the card found: its regular files (in path order) and directories (empty ones
 * included, parents before children), anything it could not capture (symlinks, devices), and
 * entries whose names cannot be recorded because their bytes are not valid in the file-name
 * encoding (shown escaped, e.g. {@code caf\xE9.txt}). The last two become warnings.
 */
public record CardScan(
    List<CardFile> files, List<String> directories, List<String> skipped, List<String> badNames) {
  public CardScan {
    files = List.copyOf(files);
    directories = List.copyOf(directories);
    skipped = List.copyOf(skipped);
    badNames = List.copyOf(badNames);
  }

  public Map<String, CardFile> byPath() {
    Map<String, CardFile> map = new LinkedHashMap<>();
    for (CardFile f : files) {
      map.put(f.path(), f);
    }
    return map;
  }

  public long totalBytes() {
    return files.stream().mapToLong(CardFile::size).sum();
  }
}
