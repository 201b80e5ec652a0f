package dev.lbuvault.verify;

/** The kinds of damage verify reports. */
public enum ProblemKind {
  /** A file's content no longer matches its checksum. */
  CORRUPT,
  /** A file listed in SHA256SUMS is gone. */
  MISSING,
  /** A file is in the version but not in SHA256SUMS. */
  EXTRA,
  /** version.json or SHA256SUMS is unreadable or inconsistent. */
  METADATA
}
