package dev.lbuvault.ssh;

import java.util.List;

/**
 * Which of ssh's own failures ended a command (ssh exits 255 for every one of them), told apart by
 * what ssh printed on stderr: the server refused the login, the host key is not known or has
 * changed, or anything else about the connection (name unknown, refused, timed out, cut). The ssh
 * pull ({@code backup --source ssh://}) and the ssh push ({@code replicate --to ssh://}) both read
 * ssh's failure here, so both give the same exit code for the same fault.
 */
public enum SshFailure {
  /** The server refused our key ("Permission denied"). */
  LOGIN_REFUSED,
  /** The host key is not in known_hosts, or it changed. */
  HOST_KEY,
  /** Could not connect, or the connection broke off: which of the two, the caller knows. */
  CONNECTION;

  /**
   * The failure ssh's {@code stderr} describes, for an ssh that exited {@link
   * SshCommand#SSH_FAILURE}.
   */
  public static SshFailure of(String stderr) {
    if (stderr.contains("Permission denied")) {
      return LOGIN_REFUSED;
    }
    if (stderr.contains("Host key verification failed")
        || stderr.contains("HOST IDENTIFICATION HAS CHANGED")) {
      return HOST_KEY;
    }
    return CONNECTION;
  }

  /** The last non-blank line of {@code text}: ssh's error comes last, after any warnings. */
  public static String lastLine(String text) {
    List<String> lines = text.strip().lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    return lines.isEmpty() ? "no message" : lines.get(lines.size() - 1);
  }
}
