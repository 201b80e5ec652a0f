package dev.lbuvault.replicate;

import dev.lbuvault.repo.HostNames;
import dev.lbuvault.repo.VersionId;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One request to the far side of an ssh replication, as the near side sends it and sshd hands it to
 * the forced command in {@code SSH_ORIGINAL_COMMAND}. The whole grammar:
 *
 * <pre>
 * lbuvault receive list    PATH HOST
 * lbuvault receive prepare PATH HOST
 * lbuvault receive store   PATH HOST ID UUID none|zstd
 * </pre>
 *
 * Words are separated by single spaces and made of a small safe alphabet (no quotes, no shell
 * syntax, no spaces inside a path), PATH is absolute without {@code .} or {@code ..} parts, HOST
 * and ID follow the repository's rules and UUID is a btrfs UUID: anything else is refused before it
 * touches the disk. Where PATH may lie is checked separately ({@link RestrictedPath}).
 */
public record ReceiveRequest(
    Operation operation,
    String path,
    String host,
    Optional<VersionId> id,
    Optional<String> sourceUuid,
    boolean zstd) {
  /** What the far side is asked to do. */
  public enum Operation {
    /** Print the capabilities and the host's versions with their received UUIDs. */
    LIST,
    /** Create the repository if missing, remove the host's leftovers, then as LIST. */
    PREPARE,
    /** Receive one btrfs send stream from standard input into the host's versions. */
    STORE
  }

  private static final int MAX_LENGTH = 1024;
  private static final Pattern SAFE =
      Pattern.compile("[A-Za-z0-9._/:@+=,-]+( [A-Za-z0-9._/:@+=,-]+)*");
  private static final Pattern SAFE_PATH = Pattern.compile("[A-Za-z0-9._/:@+=,-]+");
  private static final Pattern UUID =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  private static final String PREFIX = "lbuvault receive";

  public ReceiveRequest {
    Objects.requireNonNull(operation, "operation");
    checkPath(path);
    HostNames.requireValid(host);
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(sourceUuid, "sourceUuid");
    if ((operation == Operation.STORE) != (id.isPresent() && sourceUuid.isPresent())) {
      throw new IllegalArgumentException("store, and only store, takes a version id and a UUID");
    }
  }

  /**
   * Checks that {@code path} can be sent: absolute, without empty, {@code .} or {@code ..} parts,
   * and of the plain characters the far side accepts (no spaces, quotes or shell syntax).
   *
   * @throws IllegalArgumentException saying which rule it breaks
   */
  public static String checkPath(String path) {
    Objects.requireNonNull(path, "path");
    if (!path.startsWith("/") || !SAFE_PATH.matcher(path).matches()) {
      throw new IllegalArgumentException(
          "the far side's path \""
              + path
              + "\" must be absolute and made of letters, digits and . _ / : @ + = , -");
    }
    for (String part : path.substring(1).split("/", -1)) {
      if (part.isEmpty() || ".".equals(part) || "..".equals(part)) {
        throw new IllegalArgumentException(
            "the far side's path \"" + path + "\" must not hold empty, \".\" or \"..\" parts");
      }
    }
    return path;
  }

  /** The command line the near side asks ssh to run. */
  public String commandLine() {
    StringBuilder b = new StringBuilder(PREFIX);
    b.append(' ').append(operation.name().toLowerCase(java.util.Locale.ROOT));
    b.append(' ').append(path).append(' ').append(host);
    if (operation == Operation.STORE) {
      b.append(' ').append(id.orElseThrow()).append(' ').append(sourceUuid.orElseThrow());
      b.append(' ').append(zstd ? "zstd" : "none");
    }
    return b.toString();
  }

  /**
   * Parses what sshd put in {@code SSH_ORIGINAL_COMMAND}.
   *
   * @throws ReceiveRefusedException naming what is not allowed
   */
  public static ReceiveRequest parse(String command) throws ReceiveRefusedException {
    if (command == null || command.isEmpty()) {
      throw new ReceiveRefusedException(
          "refused: no command given; this key only receives replicas (run lbuvault replicate --to"
              + " ssh://... on the sending host)");
    }
    if (command.length() > MAX_LENGTH || !SAFE.matcher(command).matches()) {
      throw new ReceiveRefusedException(
          "refused \""
              + printable(command)
              + "\": only \"lbuvault receive list|prepare|store ...\" is allowed, in plain words"
              + " without quotes or shell syntax");
    }
    List<String> w = List.of(command.split(" "));
    if (w.size() < 5 || !PREFIX.equals(w.get(0) + " " + w.get(1))) {
      throw refused(command, "only \"lbuvault receive list|prepare|store PATH HOST ...\"");
    }
    String path = requirePath(command, w.get(3));
    String host = w.get(4);
    if (!HostNames.isValid(host)) {
      throw refused(command, "\"" + host + "\" is not a valid host name");
    }
    switch (w.get(2)) {
      case "list", "prepare" -> {
        requireWords(command, w, 5);
        Operation op = "list".equals(w.get(2)) ? Operation.LIST : Operation.PREPARE;
        return new ReceiveRequest(op, path, host, Optional.empty(), Optional.empty(), false);
      }
      case "store" -> {
        requireWords(command, w, 8);
        if (!VersionId.isValid(w.get(5))) {
          throw refused(command, "\"" + w.get(5) + "\" is not a version id");
        }
        if (!UUID.matcher(w.get(6)).matches()) {
          throw refused(command, "\"" + w.get(6) + "\" is not a btrfs UUID");
        }
        if (!"zstd".equals(w.get(7)) && !"none".equals(w.get(7))) {
          throw refused(command, "the compression must be zstd or none, not \"" + w.get(7) + "\"");
        }
        return new ReceiveRequest(
            Operation.STORE,
            path,
            host,
            Optional.of(new VersionId(w.get(5))),
            Optional.of(w.get(6)),
            "zstd".equals(w.get(7)));
      }
      default -> throw refused(command, "\"" + w.get(2) + "\" is not list, prepare or store");
    }
  }

  private static String requirePath(String command, String path) throws ReceiveRefusedException {
    try {
      return checkPath(path);
    } catch (IllegalArgumentException e) {
      throw refused(command, e.getMessage());
    }
  }

  private static void requireWords(String command, List<String> w, int n)
      throws ReceiveRefusedException {
    if (w.size() != n) {
      throw refused(command, w.get(2) + " takes " + (n - 3) + " arguments, got " + (w.size() - 3));
    }
  }

  private static ReceiveRefusedException refused(String command, String why) {
    return new ReceiveRefusedException("refused \"" + printable(command) + "\": " + why);
  }

  /** At most 200 characters, control characters shown as '?', for a one-line message. */
  private static String printable(String s) {
    String cut = s.length() > 200 ? s.substring(0, 200) + "..." : s;
    StringBuilder b = new StringBuilder();
    cut.codePoints().forEach(c -> b.appendCodePoint(c < 0x20 || c == 0x7f ? '?' : c));
    return b.toString();
  }
}
