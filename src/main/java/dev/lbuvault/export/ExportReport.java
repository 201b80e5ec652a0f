package dev.lbuvault.export;

import java.util.List;

/**
 * What one export did: the versions written ({@code host id -> file}), how many were already there,
 * and one line per version that could not be exported.
 */
public record ExportReport(List<String> exported, int alreadyThere, List<String> failures) {
  public ExportReport {
    exported = List.copyOf(exported);
    failures = List.copyOf(failures);
  }

  public boolean ok() {
    return failures.isEmpty();
  }
}
