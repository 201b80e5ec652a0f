package dev.lbuvault.verify;

import java.util.List;

/** The result of one verify run over one or more versions. */
public record VerifyReport(List<VersionCheck> versions) {
  public VerifyReport {
    versions = List.copyOf(versions);
  }

  public List<Problem> problems() {
    return versions.stream().flatMap(v -> v.problems().stream()).toList();
  }

  public boolean clean() {
    return versions.stream().allMatch(VersionCheck::clean);
  }

  public long bytes() {
    return versions.stream().mapToLong(VersionCheck::bytes).sum();
  }

  public long files() {
    return versions.stream().mapToLong(VersionCheck::files).sum();
  }
}
