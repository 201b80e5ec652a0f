package dev.lbuvault.export;

import java.util.List;

/**
 * What one import did: versions brought in ({@code host id}), how many the repository already held,
 * export files found damaged (changed since export, not decryptable, a bad signature), and other
 * failures, one line each.
 */
public record ImportReport(
    List<String> imported, int alreadyThere, List<String> damaged, List<String> failures) {
  public ImportReport {
    imported = List.copyOf(imported);
    damaged = List.copyOf(damaged);
    failures = List.copyOf(failures);
  }
}
