package dev.lbuvault.daemon;

import dev.lbuvault.config.ConfigException;
import dev.lbuvault.config.ConfigFile;
import dev.lbuvault.config.DurationOption;
import dev.lbuvault.config.LbuConfig;
import dev.lbuvault.crypto.PasswordFile;
import dev.lbuvault.crypto.PasswordFileException;
import dev.lbuvault.replicate.ReceiveRequest;
import dev.lbuvault.repo.HostNames;
import dev.lbuvault.retention.DurationParser;
import dev.lbuvault.retention.RetentionPolicy;
import dev.lbuvault.ssh.SshCommand;
import dev.lbuvault.ssh.SshUrl;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TimeZone;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.quartz.CronExpression;

/**
 * The daemon's validated settings. {@link #KEYS} is the one table of configuration keys, their
 * flags and defaults (docs/config.md documents each, and a test keeps the two in step); {@link
 * #parse} turns the merged {@code key -> value} map (file, then flags) into typed values and fails
 * at startup, naming the key, the value and what is allowed, rather than at 3 a.m.
 *
 * @param repo the repository
 * @param sources what to back up: one source in the single-source form, one per {@code [host NAME]}
 *     section otherwise
 * @param replicas the {@code [replicate NAME]} sections: targets the versions are copied to
 * @param listen where to serve /metrics and /healthz; empty when switched off
 * @param textfileDir where to write lbuvault.prom for node_exporter, if anywhere
 * @param verifySchedule Quartz cron expression of the verify run; empty when off
 * @param settle how long the card must be quiet after a change before a backup starts
 * @param rescan how often the card's root is looked at (stat only) to catch missed changes
 * @param lockWait how long a backup or prune waits for another writer (a CLI run) to finish
 * @param retention the prune policy applied after each stored version
 * @param logLevel error, warn, info or debug
 * @param passwordFile the 0600 file holding the password of encrypted apkovls, if any; the daemon
 *     reads it once at startup
 */
public record DaemonSettings(
    Path repo,
    List<SourceSettings> sources,
    List<ReplicaSettings> replicas,
    Optional<InetSocketAddress> listen,
    Optional<Path> textfileDir,
    Optional<String> verifySchedule,
    Duration settle,
    Duration rescan,
    Duration lockWait,
    RetentionPolicy retention,
    String logLevel,
    Optional<Path> passwordFile,
    SshAccess ssh) {

  /** The default port: outside Prometheus's exporter range 9100-9999, which is fully allocated. */
  public static final int DEFAULT_PORT = 19528;

  /** The default configuration file; its absence is fine. */
  public static final Path DEFAULT_CONFIG = Path.of("/etc/lbuvault/lbuvault.conf");

  /**
   * One configuration key.
   *
   * @param name the key in the file
   * @param flag the command-line flag that overrides it
   * @param defaultValue the default as written in the file (empty: none)
   * @param allowed what values are allowed, for messages and docs
   */
  public record Key(String name, String flag, String defaultValue, String allowed) {
    public Key {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(flag, "flag");
      Objects.requireNonNull(defaultValue, "defaultValue");
      Objects.requireNonNull(allowed, "allowed");
      if (!flag.startsWith("--")) {
        throw new IllegalArgumentException("flag must start with --: " + flag);
      }
    }
  }

  private static final String DURATION = "a duration such as 30s, 5m, 1h";
  private static final String COUNT = "a whole number >= 0 (0: rule off)";

  /** Every key, in the order docs/config.md and the example file list them. */
  public static final List<Key> KEYS =
      List.of(
          new Key(
              "repo",
              "--repo",
              "",
              "a repository directory (lbuvault init); default $LBUVAULT_REPO"),
          new Key("source", "--source", "", "the card's mount point; default from lbu.conf"),
          new Key("lbu.conf", "--lbu-conf", "/etc/lbu/lbu.conf", "lbu's configuration file"),
          new Key("host", "--host", "", "a host name; default from the apkovl's file name"),
          new Key("listen", "--listen", "127.0.0.1:" + DEFAULT_PORT, "HOST:PORT, or off"),
          new Key("textfile.dir", "--textfile-dir", "", "an existing directory, or empty for none"),
          new Key(
              "backup.schedule",
              "--backup-schedule",
              "0 0 3 * * ?",
              "a Quartz cron expression, or off"),
          new Key(
              "verify.schedule",
              "--verify-schedule",
              "0 0 4 ? * SUN",
              "a Quartz cron expression, or off"),
          new Key("settle", "--settle", "10s", DURATION + ", from 1s to 1h"),
          new Key("rescan", "--rescan", "15m", DURATION + ", from 1s to 1d"),
          new Key("lock.wait", "--lock-wait", "10m", DURATION + ", from 0s to 1d"),
          new Key("keep.last", "--keep-last", "0", COUNT),
          new Key("keep.daily", "--keep-daily", "0", COUNT),
          new Key("keep.weekly", "--keep-weekly", "0", COUNT),
          new Key("keep.monthly", "--keep-monthly", "0", COUNT),
          new Key("keep.yearly", "--keep-yearly", "0", COUNT),
          new Key(
              "keep.within",
              "--keep-within",
              "0h",
              "a retention duration such as 7d, 36h, 1y2m (0h: rule off)"),
          new Key("log.level", "--log-level", "info", "error, warn, info or debug"),
          new Key(
              "status.root",
              "--status-root",
              "",
              "the host's root directory (/) when the daemon runs on the host itself, or empty"),
          new Key(
              "password.file",
              "--password-file",
              "",
              "a file readable only by its owner (chmod 600), or empty for none"),
          new Key(
              "ssh.identity",
              "--ssh-identity",
              "",
              "the private key for ssh:// sources and targets, or empty for ssh's own choice"),
          new Key(
              "ssh.options",
              "--ssh-options",
              "",
              "ssh -o options for ssh:// sources and targets, NAME=VALUE separated by spaces"));

  /** The section kind of one more source: {@code [host NAME]}. */
  public static final String HOST_SECTION = "host";

  /** The section kind of a replication target: {@code [replicate NAME]}. */
  public static final String REPLICATE_SECTION = "replicate";

  /** The default replication schedule: daily at 05:00, after the nightly backups and verify. */
  public static final String DEFAULT_REPLICATE_SCHEDULE = "0 0 5 * * ?";

  /** The keys each section kind allows. */
  public static final Map<String, Set<String>> SECTION_KEYS = sectionKeys();

  private static Map<String, Set<String>> sectionKeys() {
    Map<String, Set<String>> m = new java.util.LinkedHashMap<>();
    m.put(HOST_SECTION, new LinkedHashSet<>(List.of("source", "backup.schedule", "status.root")));
    m.put(
        REPLICATE_SECTION,
        new LinkedHashSet<>(
            List.of(
                "to",
                "schedule",
                "ssh.identity",
                "ssh.options",
                "keep.last",
                "keep.daily",
                "keep.weekly",
                "keep.monthly",
                "keep.yearly",
                "keep.within")));
    return java.util.Collections.unmodifiableMap(m);
  }

  /** Top-level keys that belong in the sections once there are {@code [host NAME]} sections. */
  private static final List<String> SINGLE_SOURCE_KEYS = List.of("source", "host", "status.root");

  private static final Pattern LISTEN =
      Pattern.compile("(?:\\[([0-9A-Fa-f:.]+)]|([^:\\[\\]]+)):(\\d{1,5})");

  public DaemonSettings {
    Objects.requireNonNull(repo, "repo");
    sources = List.copyOf(sources);
    replicas = List.copyOf(replicas);
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(textfileDir, "textfileDir");
    Objects.requireNonNull(verifySchedule, "verifySchedule");
    Objects.requireNonNull(settle, "settle");
    Objects.requireNonNull(rescan, "rescan");
    Objects.requireNonNull(lockWait, "lockWait");
    Objects.requireNonNull(retention, "retention");
    Objects.requireNonNull(logLevel, "logLevel");
    Objects.requireNonNull(ssh, "ssh");
    if (sources.isEmpty()) {
      throw new IllegalArgumentException("at least one source");
    }
    if (settle.isNegative() || rescan.isNegative() || lockWait.isNegative()) {
      throw new IllegalArgumentException("durations must not be negative");
    }
  }

  /** The first (in the single-source form, the only) source's mount point. */
  public Path source() {
    return sources.get(0).dir();
  }

  /** The first source's configured host name, if any. */
  public Optional<String> host() {
    return sources.get(0).host();
  }

  /** The first source's backup schedule. */
  public Optional<String> backupSchedule() {
    return sources.get(0).backupSchedule();
  }

  /** The host's root of the source the daemon runs on, if one source set {@code status.root}. */
  public Optional<Path> statusRoot() {
    return sources.stream().flatMap(s -> s.statusRoot().stream()).findFirst();
  }

  /** The set of key names. */
  public static Set<String> keyNames() {
    Set<String> names = new LinkedHashSet<>();
    for (Key k : KEYS) {
      names.add(k.name());
    }
    return names;
  }

  /** The key called {@code name}. */
  public static Key key(String name) {
    for (Key k : KEYS) {
      if (k.name().equals(name)) {
        return k;
      }
    }
    throw new IllegalArgumentException("no key " + name);
  }

  /**
   * Validates {@code values} (only the keys that were set; defaults fill the rest).
   *
   * @throws ConfigException naming the key, the value and what is allowed
   */
  public static DaemonSettings parse(Map<String, String> values) throws IOException {
    return parse(values, List.of());
  }

  /**
   * Validates {@code values} and the file's {@code [host NAME]} and {@code [replicate NAME]}
   * sections. With host sections, the top-level {@code source}, {@code host} and {@code
   * status.root} are refused (they belong in a section) and the top-level {@code backup.schedule}
   * is every section's default.
   *
   * @throws ConfigException naming the key (and section), the value and what is allowed
   */
  public static DaemonSettings parse(Map<String, String> values, List<ConfigFile.Section> sections)
      throws IOException {
    for (String k : values.keySet()) {
      if (!keyNames().contains(k)) {
        throw new ConfigException(
            "unknown key \"" + k + "\" (known keys: " + String.join(", ", keyNames()) + ")");
      }
    }
    Values v = new Values(values);
    String repoText = v.get("repo");
    if (repoText.isEmpty()) {
      throw new ConfigException(
          "repo: not set: give --repo DIR, repo = DIR in the config file, or set $LBUVAULT_REPO");
    }
    List<ConfigFile.Section> hostSections =
        sections.stream().filter(s -> s.kind().equals(HOST_SECTION)).toList();
    List<SourceSettings> sources =
        hostSections.isEmpty() ? List.of(singleSource(v)) : sectionSources(v, hostSections);
    SshAccess ssh = sshAccess(v, sources);
    List<ReplicaSettings> replicas = new ArrayList<>();
    for (ConfigFile.Section s : sections) {
      if (s.kind().equals(REPLICATE_SECTION)) {
        replicas.add(replica(s, ssh));
      }
    }
    Optional<Path> textfileDir = Optional.empty();
    if (!v.get("textfile.dir").isEmpty()) {
      Path dir = Path.of(v.get("textfile.dir"));
      if (!Files.isDirectory(dir)) {
        throw v.bad(
            "textfile.dir", "no such directory (node_exporter's --collector.textfile.directory)");
      }
      textfileDir = Optional.of(dir);
    }
    Duration settle = v.duration("settle", Duration.ofSeconds(1), Duration.ofHours(1));
    Duration rescan = v.duration("rescan", Duration.ofSeconds(1), Duration.ofDays(1));
    Duration lockWait = v.duration("lock.wait", Duration.ZERO, Duration.ofDays(1));
    RetentionPolicy retention = v.retention();
    Optional<Path> passwordFile = Optional.empty();
    if (!v.get("password.file").isEmpty()) {
      Path file = Path.of(v.get("password.file"));
      try {
        PasswordFile.read(file); // only checked here; the daemon reads it when it starts
      } catch (PasswordFileException e) {
        throw v.bad("password.file", e.getMessage());
      }
      passwordFile = Optional.of(file);
    }
    String level = v.get("log.level").toLowerCase(Locale.ROOT);
    if (!List.of("error", "warn", "info", "debug").contains(level)) {
      throw v.bad("log.level", "use error, warn, info or debug");
    }
    return new DaemonSettings(
        Path.of(repoText),
        sources,
        replicas,
        v.listen(),
        textfileDir,
        v.cron("verify.schedule"),
        settle,
        rescan,
        lockWait,
        retention,
        level,
        passwordFile,
        ssh);
  }

  /**
   * The key and {@code -o} options of the {@code ssh://} sources, each source's URL checked with
   * them as backup will use them, so that a bad one fails at startup rather than every night.
   */
  private static SshAccess sshAccess(Values v, List<SourceSettings> sources) {
    SshAccess ssh = new SshAccess(v.sshIdentity(), v.sshOptions());
    for (SourceSettings s : sources) {
      if (s.remote()) {
        try {
          ssh.locate(s.location());
        } catch (IllegalArgumentException e) {
          throw new ConfigException(
              "source = "
                  + s.location()
                  + (s.host().map(h -> " ([host " + h + "])").orElse(""))
                  + ": "
                  + e.getMessage());
        }
      }
    }
    return ssh;
  }

  /** The single-source form: top-level source (default from lbu.conf), host, status.root. */
  private static SourceSettings singleSource(Values v) throws IOException {
    Path lbuConf = Path.of(v.get("lbu.conf"));
    String source = v.get("source");
    if (source.isEmpty()) {
      source =
          LbuConfig.read(lbuConf)
              .sourceDir()
              .orElseThrow(
                  () ->
                      new ConfigException(
                          "source: not set, and "
                              + lbuConf
                              + " sets neither LBU_MEDIA nor LBU_BACKUPDIR: set source = DIR"
                              + " (the card's mount point) or give --source DIR"))
              .toString();
    }
    Optional<String> host = Optional.empty();
    if (!v.get("host").isEmpty()) {
      String h = v.get("host");
      if (!HostNames.isValid(h)) {
        throw v.bad("host", "letters, digits, '.', '_' or '-', starting with a letter or digit");
      }
      host = Optional.of(h);
    }
    return new SourceSettings(host, source, v.cron("backup.schedule"), v.statusRoot());
  }

  /** One source per {@code [host NAME]} section; at most one of them runs on this machine. */
  private static List<SourceSettings> sectionSources(
      Values top, List<ConfigFile.Section> sections) {
    for (String key : SINGLE_SOURCE_KEYS) {
      if (top.given.containsKey(key)) {
        throw new ConfigException(
            key
                + " is set at the top of the file (or as a flag), but the file has [host NAME]"
                + " sections: set it inside the section of the host it belongs to");
      }
    }
    List<SourceSettings> sources = new ArrayList<>();
    for (ConfigFile.Section s : sections) {
      if (!HostNames.isValid(s.name())) {
        throw new ConfigException(
            s.where()
                + ": [host "
                + s.name()
                + "]: not a host name (letters, digits, '.', '_' or '-', starting with a letter or"
                + " digit)");
      }
      Map<String, String> merged = new java.util.HashMap<>();
      merged.put("backup.schedule", top.get("backup.schedule"));
      merged.putAll(s.values());
      Values v = new Values(merged, "[host " + s.name() + "] ");
      String source = v.get("source");
      if (source.isEmpty()) {
        throw new ConfigException(
            s.where() + ": [host " + s.name() + "] has no source = DIR (or ssh://...): add one");
      }
      sources.add(
          new SourceSettings(
              Optional.of(s.name()), source, v.cron("backup.schedule"), v.statusRoot()));
    }
    if (sources.stream().filter(s -> s.statusRoot().isPresent()).count() > 1) {
      throw new ConfigException(
          "status.root is set in more than one [host NAME] section; only the host the daemon"
              + " runs on has one");
    }
    return sources;
  }

  private static ReplicaSettings replica(ConfigFile.Section s, SshAccess top) {
    Map<String, String> merged = new java.util.HashMap<>(s.values());
    merged.putIfAbsent("schedule", DEFAULT_REPLICATE_SCHEDULE);
    Values v = new Values(merged, "[replicate " + s.name() + "] ");
    String to = v.get("to");
    if (to.isEmpty()) {
      throw new ConfigException(
          s.where()
              + ": [replicate "
              + s.name()
              + "] has no to = DIR (the target repository): add one");
    }
    Optional<SshCommand> ssh = Optional.empty();
    if (SshUrl.looksLikeSsh(to)) {
      ssh = Optional.of(sshTarget(v, s, top));
    } else {
      for (String key : List.of("ssh.identity", "ssh.options")) {
        if (s.values().containsKey(key)) {
          throw v.bad(key, "applies only to a to = ssh://... target; remove it");
        }
      }
    }
    Optional<String> schedule = v.cron("schedule");
    if (schedule.isEmpty()) {
      throw new ConfigException(
          s.where()
              + ": [replicate "
              + s.name()
              + "] schedule = off: remove the section to stop replicating");
    }
    // The section's own keep.* rules only: the repository's retention is not the target's.
    RetentionPolicy keep = v.retention();
    if (ssh.isPresent() && !keep.isEmpty()) {
      try {
        ReceiveRequest.Prune.requireSendable(keep);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(
            s.where()
                + ": [replicate "
                + s.name()
                + "] "
                + e.getMessage().replace("--keep-", "keep."));
      }
    }
    return new ReplicaSettings(s.name(), to, schedule.get(), ssh, keep);
  }

  /**
   * The ssh command line of an {@code ssh://} target: the section's {@code ssh.identity} and {@code
   * ssh.options} where it sets them (even empty: then none), else the top-level ones; the URL, the
   * options and the far path checked as {@code lbuvault replicate} and the far side check them.
   */
  private static SshCommand sshTarget(Values v, ConfigFile.Section s, SshAccess top) {
    Optional<Path> identity =
        s.values().containsKey("ssh.identity") ? v.sshIdentity() : top.identity();
    List<String> options = s.values().containsKey("ssh.options") ? v.sshOptions() : top.options();
    try {
      SshCommand ssh = new SshAccess(identity, options).command(v.get("to"));
      ReceiveRequest.checkPath(ssh.url().path());
      return ssh;
    } catch (IllegalArgumentException e) {
      throw v.bad("to", e.getMessage());
    }
  }

  /** A Quartz cron expression in the JVM's time zone (the machine's local time). */
  static CronExpression cron(String expression, TimeZone zone) {
    try {
      CronExpression c = new CronExpression(expression);
      c.setTimeZone(zone);
      return c;
    } catch (ParseException e) {
      throw new IllegalStateException("validated at startup: " + expression, e);
    }
  }

  /** The raw values with defaults, and the checks that name the key. */
  private static final class Values {
    private final Map<String, String> given;
    private final String section;

    Values(Map<String, String> given) {
      this(given, "");
    }

    /** {@code section} prefixes every message, e.g. "[host pi2] ". */
    Values(Map<String, String> given, String section) {
      this.given = given;
      this.section = section;
    }

    String get(String key) {
      String value = given.get(key);
      if (value != null) {
        return value.strip();
      }
      return KEYS.stream().anyMatch(k -> k.name().equals(key)) ? key(key).defaultValue() : "";
    }

    ConfigException bad(String key, String problem) {
      return ConfigException.badValue(section + key, get(key), problem);
    }

    /** The {@code ssh.identity} key file, checked readable; empty for ssh's own choice. */
    Optional<Path> sshIdentity() {
      if (get("ssh.identity").isEmpty()) {
        return Optional.empty();
      }
      Path key = Path.of(get("ssh.identity"));
      if (!Files.isReadable(key)) {
        throw bad("ssh.identity", "not a readable file");
      }
      return Optional.of(key);
    }

    /** The {@code ssh.options}, split at spaces (each checked when a command is built). */
    List<String> sshOptions() {
      String text = get("ssh.options");
      return text.isEmpty() ? List.of() : List.of(text.split("\\s+"));
    }

    Optional<Path> statusRoot() {
      if (get("status.root").isEmpty()) {
        return Optional.empty();
      }
      Path dir = Path.of(get("status.root"));
      if (!Files.isDirectory(dir)) {
        throw bad("status.root", "no such directory (the host's root, /, or empty for off)");
      }
      return Optional.of(dir);
    }

    Duration duration(String key, Duration min, Duration max) {
      Duration d;
      try {
        d = DurationOption.parse(get(key));
      } catch (IllegalArgumentException e) {
        throw bad(key, "not a duration; use e.g. 30s, 5m, 1h30m");
      }
      if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
        throw bad(key, "out of range; allowed: " + key(key).allowed());
      }
      return d;
    }

    /**
     * The {@code keep.*} rules: the repository's, or in a {@code [replicate NAME]} its target's.
     */
    RetentionPolicy retention() {
      Duration within;
      try {
        within = DurationParser.parse(get("keep.within"));
      } catch (IllegalArgumentException e) {
        throw bad("keep.within", e.getMessage());
      }
      return new RetentionPolicy(
          count("keep.last"),
          count("keep.daily"),
          count("keep.weekly"),
          count("keep.monthly"),
          count("keep.yearly"),
          within);
    }

    int count(String key) {
      try {
        int n = Integer.parseInt(get(key));
        if (n >= 0) {
          return n;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw bad(key, "not " + COUNT);
    }

    Optional<String> cron(String key) {
      String text = get(key);
      if ("off".equals(text)) {
        return Optional.empty();
      }
      CronExpression c;
      try {
        c = new CronExpression(text);
      } catch (ParseException e) {
        throw bad(
            key,
            "not a valid Quartz cron expression ("
                + e.getMessage()
                + "); use six or seven fields: second minute hour day-of-month month day-of-week"
                + " [year], e.g. \""
                + (KEYS.stream().anyMatch(k -> k.name().equals(key))
                    ? key(key).defaultValue()
                    : DEFAULT_REPLICATE_SCHEDULE)
                + "\", or off");
      }
      if (c.getNextValidTimeAfter(Date.from(Instant.now())) == null) {
        throw bad(key, "never fires again; use a schedule with future times, or off");
      }
      return Optional.of(text);
    }

    Optional<InetSocketAddress> listen() {
      String text = get("listen");
      if ("off".equals(text)) {
        return Optional.empty();
      }
      Matcher m = LISTEN.matcher(text);
      if (!m.matches()) {
        throw bad(
            "listen",
            "use HOST:PORT (e.g. 127.0.0.1:"
                + DEFAULT_PORT
                + ", [::1]:"
                + DEFAULT_PORT
                + ") or off");
      }
      int port = Integer.parseInt(m.group(3));
      if (port > 65535) {
        throw bad("listen", "port must be 0-65535");
      }
      String hostPart = m.group(1) != null ? m.group(1) : m.group(2);
      InetSocketAddress address = new InetSocketAddress(hostPart, port);
      if (address.isUnresolved()) {
        throw bad("listen", "cannot resolve " + hostPart + "; use an IP address");
      }
      return Optional.of(address);
    }
  }
}
