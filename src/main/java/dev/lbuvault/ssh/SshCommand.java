package dev.lbuvault.ssh;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Builds the OpenSSH client command line that runs one command on a remote host: {@code ssh -T -o
 * BatchMode=yes [-p PORT] [-i KEY -o IdentitiesOnly=yes] [-o OPTION...] -l USER -- HOST 'word'
 * ...}. BatchMode means no prompt can ever wait for a password or a host-key answer: a key that is
 * not accepted or a host not in known_hosts fails at once, with ssh's exit status 255. Nothing
 * secret is on this command line: the key is a file name, authentication is the key's.
 *
 * <p>The remote command is words, each quoted for the remote POSIX shell (ssh joins its arguments
 * with spaces and hands them to the login shell), so a path with spaces or quotes stays one word.
 * The user's {@code options} come before lbuvault's defaults because ssh keeps the first value it
 * reads for each option: a user can lengthen ConnectTimeout, for instance.
 */
public record SshCommand(SshUrl url, Optional<Path> identity, List<String> options) {
  /** A dead link fails after about a minute instead of hanging a backup for ever. */
  static final List<String> DEFAULT_OPTIONS =
      List.of("ConnectTimeout=20", "ServerAliveInterval=15", "ServerAliveCountMax=4");

  /** ssh's exit status for its own failures (connection, authentication, host key). */
  public static final int SSH_FAILURE = 255;

  private static final Pattern OPTION = Pattern.compile("[A-Za-z][A-Za-z0-9]*=[^\\p{Cntrl}]*");
  private static final Pattern SAFE_WORD = Pattern.compile("[A-Za-z0-9_./:,+@%-]+");

  public SshCommand {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(identity, "identity");
    options = List.copyOf(options);
    for (String o : options) {
      if (!OPTION.matcher(o).matches()) {
        throw new IllegalArgumentException(
            "ssh option \"" + o + "\" must look like Name=value (as in ssh -o Name=value)");
      }
      if (o.regionMatches(true, 0, "BatchMode=", 0, "BatchMode=".length())) {
        throw new IllegalArgumentException(
            "ssh option " + o + " cannot be changed: lbuvault never waits for a prompt");
      }
    }
  }

  /** A command for {@code url} with the user's ssh configuration only. */
  public static SshCommand of(SshUrl url) {
    return new SshCommand(url, Optional.empty(), List.of());
  }

  /**
   * The full argv: {@code ssh} from PATH with the options, the destination and {@code remoteWords}
   * quoted for the remote shell.
   */
  public List<String> argv(List<String> remoteWords) {
    if (remoteWords.isEmpty()) {
      throw new IllegalArgumentException("a remote command needs at least one word");
    }
    List<String> cmd = new ArrayList<>(List.of("ssh", "-T", "-o", "BatchMode=yes"));
    url.port().ifPresent(p -> cmd.addAll(List.of("-p", Integer.toString(p))));
    identity.ifPresent(
        key -> cmd.addAll(List.of("-i", key.toString(), "-o", "IdentitiesOnly=yes")));
    for (String o : options) {
      cmd.addAll(List.of("-o", o));
    }
    for (String o : DEFAULT_OPTIONS) {
      cmd.addAll(List.of("-o", o));
    }
    url.user().ifPresent(u -> cmd.addAll(List.of("-l", u)));
    cmd.add("--");
    cmd.add(url.host());
    for (String word : remoteWords) {
      cmd.add(quote(word));
    }
    return List.copyOf(cmd);
  }

  /** {@code word} as one word for a POSIX shell: as is when plainly safe, else single-quoted. */
  public static String quote(String word) {
    if (SAFE_WORD.matcher(word).matches()) {
      return word;
    }
    return "'" + word.replace("'", "'\\''") + "'";
  }
}
