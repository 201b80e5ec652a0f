package dev.lbuvault.process;

import java.util.List;

/**
 * Linux signal names, to say how a child process ended: a process killed by signal N exits with 128
 * + N, and "killed by signal 6 (SIGABRT)" tells a JVM crash from a stop where the bare number does
 * not. The numbers are the Linux ones, the same on x86-64 and ARM.
 */
public final class Signals {
  /** Signals 1 to 31 in order. */
  private static final List<String> NAMES =
      List.of(
          "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
          "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG",
          "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS");

  /** SIGHUP, SIGINT, SIGKILL, SIGTERM: what stops a process (a shutdown, kill, the OOM killer). */
  private static final List<Integer> STOPS = List.of(1, 2, 9, 15);

  private Signals() {}

  /** "signal 11 (SIGSEGV)"; just "signal N" for a number without a name. */
  public static String describe(int signal) {
    return signal >= 1 && signal <= NAMES.size()
        ? "signal " + signal + " (SIG" + NAMES.get(signal - 1) + ")"
        : "signal " + signal;
  }

  /**
   * Whether {@code signal} is one that stops a process on purpose; any other (SIGSEGV, SIGABRT,
   * SIGBUS, ...) killing it means it crashed.
   */
  public static boolean stops(int signal) {
    return STOPS.contains(signal);
  }
}
