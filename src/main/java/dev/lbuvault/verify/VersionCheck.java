package dev.lbuvault.verify;

import java.util.List;

/** The result of verifying one version: files and bytes re-read, and the problems found. */
public record VersionCheck(
    String host, String versionId, long files, long bytes, List<Problem> problems) {
  public VersionCheck {
    problems = List.copyOf(problems);
  }

  public boolean clean() {
    return problems.isEmpty();
  }
}
