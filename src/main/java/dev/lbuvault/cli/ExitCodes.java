package dev.lbuvault.cli;

/**
 * The CLI's exit codes, one table for every command (also in the README): scripts and service
 * supervisors branch on them, so they never change meaning.
 */
public final class ExitCodes {
  /** Success, including "unchanged" backups. */
  public static final int OK = 0;

  /** Failure: the message says what and what to do. */
  public static final int FAILURE = 1;

  /** Bad command line. */
  public static final int USAGE = 2;

  /** Refused as unsafe (recover onto a device that is in use, too small, ...). */
  public static final int UNSAFE = 3;

  /** Verification found damage. */
  public static final int DAMAGED = 4;

  /** The source card is busy: an lbu commit is in progress; retry later. */
  public static final int BUSY = 5;

  private ExitCodes() {}
}
