package dev.lbuvault.backup;

/** Whether a backup run stored a new version or found the card identical to the newest one. */
public enum BackupOutcome {
  STORED,
  UNCHANGED
}
