package dev.lbuvault.ssh;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A remote directory named {@code ssh://[user@]host[:port]/absolute/path}, as {@code backup
 * --source} and {@code replicate --to} take it. Everything is checked here, so nothing that reaches
 * the {@code ssh} command line can be read as an option ({@code -oProxyCommand=...}) or split by a
 * shell: user and host are plain names (an IPv6 address in brackets), the port is 1-65535, the path
 * is absolute and free of control characters. The path is taken literally (no %-decoding).
 */
public record SshUrl(Optional<String> user, String host, OptionalInt port, String path) {
  public static final String SCHEME = "ssh://";

  private static final Pattern URL =
      Pattern.compile("ssh://(?:([^@/]*)@)?(\\[[^\\]/]*\\]|[^:/@\\[\\]]*)(?::([^/]*))?(/.*)?");
  private static final Pattern USER = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*");
  private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
  private static final int MAX_PORT = 65535;

  public SshUrl {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(port, "port");
    Objects.requireNonNull(path, "path");
    if (user.isPresent() && !USER.matcher(user.get()).matches()) {
      throw new IllegalArgumentException(
          "ssh user \"" + user.get() + "\" must be letters, digits, '.', '_' or '-'");
    }
    if (!HOST_NAME.matcher(host).matches() && !IPV6.matcher(host).matches()) {
      throw new IllegalArgumentException(
          "ssh host \""
              + host
              + "\" must be a host name or address (letters, digits, '.', '-'; IPv6 in [ ])");
    }
    if (port.isPresent() && (port.getAsInt() < 1 || port.getAsInt() > MAX_PORT)) {
      throw new IllegalArgumentException("ssh port must be 1-65535, got " + port.getAsInt());
    }
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("ssh path must be absolute (start with /), got " + path);
    }
    if (path.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw new IllegalArgumentException("ssh path must not contain control characters");
    }
  }

  /** Whether {@code text} is meant as an ssh URL (starts with {@code ssh://}), valid or not. */
  public static boolean looksLikeSsh(String text) {
    return text.startsWith(SCHEME);
  }

  /**
   * Parses {@code ssh://[user@]host[:port]/path}.
   *
   * @throws IllegalArgumentException naming the part that is wrong
   */
  public static SshUrl parse(String text) {
    Matcher m = URL.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "\"" + text + "\" is not an ssh URL: expected ssh://[user@]host[:port]/absolute/path");
    }
    if (m.group(4) == null) {
      throw new IllegalArgumentException(
          "\"" + text + "\" names no path: expected ssh://[user@]host[:port]/absolute/path");
    }
    Optional<String> user = Optional.ofNullable(m.group(1));
    String host = m.group(2);
    if (host.startsWith("[")) {
      host = host.substring(1, host.length() - 1);
    }
    return new SshUrl(user, host, parsePort(m.group(3)), m.group(4));
  }

  private static OptionalInt parsePort(String text) {
    if (text == null) {
      return OptionalInt.empty();
    }
    if (!text.matches("[0-9]{1,5}")) {
      throw new IllegalArgumentException("ssh port must be 1-65535, got \"" + text + "\"");
    }
    return OptionalInt.of(Integer.parseInt(text));
  }

  /** {@code [user@]host}, as people write it in messages. */
  public String destination() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return user.map(u -> u + "@" + h).orElse(h);
  }

  /** The URL again, in its canonical form. */
  @Override
  public String toString() {
    return SCHEME + destination() + (port.isPresent() ? ":" + port.getAsInt() : "") + path;
  }
}
