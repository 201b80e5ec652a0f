package dev.lbuvault.status;

import java.util.Locale;
import java.util.Optional;

/**
 * How one backup run ended, as counted in {@code lbuvault_backup_runs_total{result}}: a new version
 * was stored, the card matched the newest version, lbu was writing the card (busy), or the run
 * failed (unreadable card, damaged apkovl, repository locked past the wait, disk full, ...). The
 * set is fixed, so the {@code result} label can never grow.
 */
public enum RunResult {
  STORED,
  UNCHANGED,
  BUSY,
  FAILED;

  /** The label value and the word in the state file: the name in lower case. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Stored and unchanged are successes: the repository holds what the card holds. */
  public boolean success() {
    return this == STORED || this == UNCHANGED;
  }

  /** The result whose {@link #label()} is {@code text}, if any. */
  public static Optional<RunResult> fromLabel(String text) {
    for (RunResult r : values()) {
      if (r.label().equals(text)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }
}
