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

  /** An ssh:// source's or target's host cannot be reached (name unknown, refused, timed out). */
  public static final int SSH_UNREACHABLE = 6;

  /**
   * An ssh:// source's or target's host refused the login, or its host key is unknown or changed;
   * for a target also the far side's lbuvault receive refusing what its key does not allow.
   */
  public static final int SSH_REFUSED = 7;

  /**
   * An ssh:// source's directory does not exist on its host; a target's path cannot hold a
   * repository there (parent or --restrict-path missing, something else in it, no lbuvault).
   */
  public static final int SSH_NO_PATH = 8;

  /**
   * Reading an ssh:// source, or sending to an ssh:// target, broke off (connection lost, the far
   * side's tar or receive killed mid-stream).
   */
  public static final int SSH_TRANSFER = 9;

  private ExitCodes() {}
}
