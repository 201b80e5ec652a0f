package dev.lbuvault.daemon;

import dev.lbuvault.backup.BackupRequest;
import dev.lbuvault.backup.BackupResult;

/**
 * How the daemon runs one backup: in its own JVM ({@code BackupService::run}) or in a short-lived
 * child JVM ({@link ChildBackup}). Failures are the backup's own: {@code SourceBusyException} when
 * lbu is writing the card, an {@code InterruptedIOException} when the daemon's stop interrupted it,
 * any other exception for a failed run.
 */
@FunctionalInterface
interface BackupRunner {
  BackupResult run(BackupRequest request) throws Exception;
}
