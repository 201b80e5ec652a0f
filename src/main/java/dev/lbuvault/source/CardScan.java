package dev.lbuvault.source;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files a scan of the card found (in path order), the in-progress {@code *.new} files it left
 * out, and anything it could not capture (symlinks, devices), which becomes a warning.
 */
public record CardScan(List<CardFile> files, List<String> inProgress, List<String> skipped) {
  public CardScan {
    files = List.copyOf(files);
    inProgress = List.copyOf(inProgress);
    skipped = List.copyOf(skipped);
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
