package dev.lbuvault.ssh;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Which of ssh's own failures ended a command (ssh exits 255 for every one of them), told apart by
 * the last line ssh printed on stderr: the server refused the login, the host key is not known or
 * has changed, or anything else about the connection (name unknown, refused, timed out, cut). The
 * ssh pull ({@code backup --source ssh://}) and the ssh push ({@code replicate --to ssh://}) both
 * read ssh's failure here, so both give the same exit code for the same fault.
 *
 * <p>Only ssh's own final message counts, matched whole: the far command's stderr arrives on the
 * same stream, and a far-side {@code tar: ...: Permission denied} before a cut connection is not a
 * refused login.
 */
public enum SshFailure {
  /** The server refused our key ("Permission denied (publickey)."). */
  LOGIN_REFUSED,
  /** The host key is not in known_hosts, or it changed ("Host key verification failed."). */
  HOST_KEY,
  /** Could not connect, or the connection broke off: which of the two, the caller knows. */
  CONNECTION;

  /**
   * OpenSSH's {@code fatal("%s@%s: Permission denied (%s).", user, host, methods)} in
   * sshconnect2.c; older releases print it without the {@code user@host: } prefix.
   */
  private static final Pattern LOGIN_REFUSED_LINE =
      Pattern.compile("(?:\\S+@\\S+: )?Permission denied \\([^()]*\\)\\.");

  /**
   * OpenSSH's {@code fatal("Host key verification failed.")}, which also ends the changed-key
   * warning ("REMOTE HOST IDENTIFICATION HAS CHANGED").
   */
  private static final String HOST_KEY_LINE = "Host key verification failed.";

  /**
   * The failure ssh's {@code stderr} describes, for an ssh that exited {@link
   * SshCommand#SSH_FAILURE}.
   */
  public static SshFailure of(String stderr) {
    String last = lastLine(stderr);
    if (LOGIN_REFUSED_LINE.matcher(last).matches()) {
      return LOGIN_REFUSED;
    }
    if (last.equals(HOST_KEY_LINE)) {
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
