package dev.lbuvault.verify;

import java.util.Objects;

/** One piece of damage in one version: what kind, which path (relative to the version), details. */
public record Problem(String versionId, ProblemKind kind, String path, String detail) {
  public Problem {
    Objects.requireNonNull(versionId, "versionId");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(detail, "detail");
  }

  /** One line for the user, e.g. {@code 20261125T030000Z CORRUPT card/config.txt: ...}. */
  public String describe() {
    return versionId + " " + kind + " " + path + ": " + detail;
  }
}
