package dev.lbuvault.replicate;

import dev.lbuvault.repo.HostNames;
import dev.lbuvault.repo.VersionId;
import dev.lbuvault.retention.RetentionPolicy;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
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
 * lbuvault receive prune   PATH HOST parent:ID|- zone:ZONE last:N daily:N weekly:N monthly:N
 *                          yearly:N within:SECONDS
 * </pre>
 *
 * Words are separated by single spaces and made of a small safe alphabet (no quotes, no shell
 * syntax, no spaces inside a path), PATH is absolute without {@code .} or {@code ..} parts, HOST
 * and ID follow the repository's rules and UUID is a btrfs UUID: anything else is refused before it
 * touches the disk. A prune names every rule, in that order, with at least one on (a count is at
 * most 6 digits, {@code within} whole seconds), the zone its days and weeks are counted in, and the
 * newest version both sides hold, which it must keep. Where PATH may lie is checked separately
 * ({@link RestrictedPath}), and whether the key may prune at all ({@code --allow-prune}).
 */
public record ReceiveRequest(
    Operation operation,
    String path,
    String host,
    Optional<VersionId> id,
    Optional<String> sourceUuid,
    boolean zstd,
    Optional<Prune> prune) {
  /** What the far side is asked to do. */
  public enum Operation {
    /** Print the capabilities and the host's versions with their received UUIDs. */
    LIST,
    /** Create the repository if missing, remove the host's leftovers, then as LIST. */
    PREPARE,
    /** Receive one btrfs send stream from standard input into the host's versions. */
    STORE,
    /** Apply the near side's --keep-* rules to the host's versions, keeping the shared parent. */
    PRUNE
  }

  /**
   * What a prune request asks: {@code keep} (never empty) with days counted in {@code zone}, and
   * {@code parent}, the newest version both sides hold, kept whatever the rules say.
   */
  public record Prune(Optional<VersionId> parent, ZoneId zone, RetentionPolicy keep) {
    public Prune {
      Objects.requireNonNull(parent, "parent");
      Objects.requireNonNull(zone, "zone");
      Objects.requireNonNull(keep, "keep");
      if (keep.isEmpty()) {
        throw new IllegalArgumentException("a prune request needs at least one --keep-* rule");
      }
      requireSendable(keep);
    }

    /**
     * Checks that {@code keep} fits the request's alphabet (counts of at most six digits, whole
     * seconds), so that replicate can refuse it before it sends anything.
     *
     * @throws IllegalArgumentException naming the rule that does not fit
     */
    public static void requireSendable(RetentionPolicy keep) {
      int[] counts = {
        keep.keepLast(), keep.keepDaily(), keep.keepWeekly(), keep.keepMonthly(), keep.keepYearly()
      };
      for (int i = 0; i < counts.length; i++) {
        if (counts[i] > MAX_COUNT) {
          throw new IllegalArgumentException(
              "--keep-"
                  + RULES.get(i)
                  + " "
                  + counts[i]
                  + " is more than an ssh:// target takes ("
                  + MAX_COUNT
                  + ")");
        }
      }
      if (keep.keepWithin().getNano() != 0) {
        throw new IllegalArgumentException(
            "--keep-within must be whole seconds for an ssh:// target, got " + keep.keepWithin());
      }
    }
  }

  /** A list, prepare or store request. */
  public ReceiveRequest(
      Operation operation,
      String path,
      String host,
      Optional<VersionId> id,
      Optional<String> sourceUuid,
      boolean zstd) {
    this(operation, path, host, id, sourceUuid, zstd, Optional.empty());
  }

  /** A prune request. */
  public static ReceiveRequest prune(String path, String host, Prune prune) {
    return new ReceiveRequest(
        Operation.PRUNE, path, host, Optional.empty(), Optional.empty(), false, Optional.of(prune));
  }

  private static final int MAX_LENGTH = 1024;
  private static final Pattern SAFE =
      Pattern.compile("[A-Za-z0-9._/:@+=,-]+( [A-Za-z0-9._/:@+=,-]+)*");
  private static final Pattern SAFE_PATH = Pattern.compile("[A-Za-z0-9._/:@+=,-]+");
  private static final Pattern UUID =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  private static final String PREFIX = "lbuvault receive";
  // NAME:VALUE, not NAME=VALUE: ssh's remote shell would need '=' words quoted, and quotes are
  // refused.
  private static final List<String> RULES =
      List.of("last", "daily", "weekly", "monthly", "yearly", "within");
  private static final int MAX_COUNT = 999_999;
  private static final Pattern COUNT = Pattern.compile("[0-9]{1,6}");
  private static final Pattern SECONDS = Pattern.compile("[0-9]{1,12}");
  private static final Pattern ZONE = Pattern.compile("[A-Za-z0-9_/+:-]{1,64}");

  public ReceiveRequest {
    Objects.requireNonNull(operation, "operation");
    checkPath(path);
    HostNames.requireValid(host);
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(sourceUuid, "sourceUuid");
    if ((operation == Operation.STORE) != (id.isPresent() && sourceUuid.isPresent())) {
      throw new IllegalArgumentException("store, and only store, takes a version id and a UUID");
    }
    Objects.requireNonNull(prune, "prune");
    if ((operation == Operation.PRUNE) != prune.isPresent()) {
      throw new IllegalArgumentException("prune, and only prune, takes retention rules");
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
    prune.ifPresent(p -> appendPrune(b, p));
    return b.toString();
  }

  private static void appendPrune(StringBuilder b, Prune p) {
    RetentionPolicy k = p.keep();
    b.append(" parent:").append(p.parent().map(VersionId::value).orElse("-"));
    b.append(" zone:").append(p.zone().getId());
    long[] values = {
      k.keepLast(),
      k.keepDaily(),
      k.keepWeekly(),
      k.keepMonthly(),
      k.keepYearly(),
      k.keepWithin().getSeconds()
    };
    for (int i = 0; i < RULES.size(); i++) {
      b.append(' ').append(RULES.get(i)).append(':').append(values[i]);
    }
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
              + "\": only \"lbuvault receive list|prepare|store|prune ...\" is allowed, in plain"
              + " words"
              + " without quotes or shell syntax");
    }
    List<String> w = List.of(command.split(" "));
    if (w.size() < 5 || !PREFIX.equals(w.get(0) + " " + w.get(1))) {
      throw refused(command, "only \"lbuvault receive list|prepare|store|prune PATH HOST ...\"");
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
      case "prune" -> {
        requireWords(command, w, 5 + 2 + RULES.size());
        return prune(path, host, parsePrune(command, w.subList(5, w.size())));
      }
      default ->
          throw refused(command, "\"" + w.get(2) + "\" is not list, prepare, store or prune");
    }
  }

  /** {@code parent:ID|- zone:ZONE last:N ... within:SECONDS}, every word in that order. */
  private static Prune parsePrune(String command, List<String> w) throws ReceiveRefusedException {
    String parent = value(command, w.get(0), "parent");
    if (!"-".equals(parent) && !VersionId.isValid(parent)) {
      throw refused(command, "\"" + parent + "\" is not a version id");
    }
    String zoneText = value(command, w.get(1), "zone");
    ZoneId zone;
    try {
      if (!ZONE.matcher(zoneText).matches()) {
        throw new DateTimeException(zoneText);
      }
      zone = ZoneId.of(zoneText);
    } catch (DateTimeException e) {
      throw refused(command, "\"" + zoneText + "\" is not a time zone");
    }
    int[] counts = new int[RULES.size() - 1];
    for (int i = 0; i < counts.length; i++) {
      String v = value(command, w.get(2 + i), RULES.get(i));
      if (!COUNT.matcher(v).matches()) {
        throw refused(command, RULES.get(i) + " must be a count of at most 6 digits, not " + v);
      }
      counts[i] = Integer.parseInt(v);
    }
    String within = value(command, w.get(1 + RULES.size()), "within");
    if (!SECONDS.matcher(within).matches()) {
      throw refused(command, "within must be whole seconds (at most 12 digits), not " + within);
    }
    RetentionPolicy keep =
        new RetentionPolicy(
            counts[0],
            counts[1],
            counts[2],
            counts[3],
            counts[4],
            Duration.ofSeconds(Long.parseLong(within)));
    if (keep.isEmpty()) {
      throw refused(command, "every rule is 0: a prune must keep something by rule");
    }
    return new Prune(
        "-".equals(parent) ? Optional.empty() : Optional.of(new VersionId(parent)), zone, keep);
  }

  private static String value(String command, String word, String key)
      throws ReceiveRefusedException {
    if (!word.startsWith(key + ":")) {
      throw refused(command, "expected " + key + ":... where \"" + word + "\" is");
    }
    return word.substring(key.length() + 1);
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
