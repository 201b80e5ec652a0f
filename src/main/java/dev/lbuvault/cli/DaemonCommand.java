package dev.lbuvault.cli;

import dev.lbuvault.config.ConfigFile;
import dev.lbuvault.daemon.DaemonSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lbuvault daemon}: runs in the foreground under runit or OpenRC, backs up on a schedule and
 * after each {@code lbu commit}, prunes, verifies, and serves metrics. Here the configuration file
 * and the flags are merged (flags win) into the settings that {@link DaemonRun} runs, or that are
 * handed to {@link Start} when it parsed the command line in a class loader of its own.
 */
@Command(
    name = "daemon",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Run in the foreground: back up on a schedule and after each lbu commit, prune, verify,",
      "and serve Prometheus metrics. Every option is also a key of the configuration file",
      "(docs/config.md); options override the file. Stop with SIGTERM (exit 0)."
    })
final class DaemonCommand implements Callable<Integer> {
  /** Where {@link Start} takes the settings to run: null when this command runs the daemon. */
  private final Consumer<DaemonSettings> handoff;

  DaemonCommand() {
    this(null);
  }

  DaemonCommand(Consumer<DaemonSettings> handoff) {
    this.handoff = handoff;
  }

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "Configuration file (default: /etc/lbuvault/lbuvault.conf if it exists; a FILE given"
              + " here must exist).")
  Path config;

  @Option(
      names = "--repo",
      paramLabel = "DIR",
      description = "repo: repository (default: $LBUVAULT_REPO).")
  String repo;

  @Option(
      names = "--source",
      paramLabel = "DIR",
      description = "source: the card's mount point (default: from lbu.conf).")
  String source;

  @Option(
      names = "--lbu-conf",
      paramLabel = "FILE",
      description = "lbu.conf: lbu's configuration (default: /etc/lbu/lbu.conf).")
  String lbuConf;

  @Option(
      names = "--host",
      paramLabel = "NAME",
      description = "host: host name (default: from the apkovl's name).")
  String host;

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      description = "listen: /metrics and /healthz (default: 127.0.0.1:19528; off to disable).")
  String listen;

  @Option(
      names = "--textfile-dir",
      paramLabel = "DIR",
      description = "textfile.dir: write lbuvault.prom there for node_exporter (default: none).")
  String textfileDir;

  @Option(
      names = "--backup-schedule",
      paramLabel = "CRON",
      description = "backup.schedule: Quartz cron (default: \"0 0 3 * * ?\"; off).")
  String backupSchedule;

  @Option(
      names = "--verify-schedule",
      paramLabel = "CRON",
      description = "verify.schedule: Quartz cron (default: \"0 0 4 ? * SUN\"; off).")
  String verifySchedule;

  @Option(
      names = "--settle",
      paramLabel = "DURATION",
      description = "settle: quiet time after a change before a backup (default: 10s).")
  String settle;

  @Option(
      names = "--rescan",
      paramLabel = "DURATION",
      description = "rescan: stat-only look at the card's root (default: 15m).")
  String rescan;

  @Option(
      names = "--lock-wait",
      paramLabel = "DURATION",
      description = "lock.wait: wait for another writer (default: 10m).")
  String lockWait;

  @Option(
      names = "--keep-last",
      paramLabel = "N",
      description = "keep.last (default: 0 = off; no rule = prune nothing).")
  String keepLast;

  @Option(names = "--keep-daily", paramLabel = "N", description = "keep.daily (default: 0).")
  String keepDaily;

  @Option(names = "--keep-weekly", paramLabel = "N", description = "keep.weekly (default: 0).")
  String keepWeekly;

  @Option(names = "--keep-monthly", paramLabel = "N", description = "keep.monthly (default: 0).")
  String keepMonthly;

  @Option(names = "--keep-yearly", paramLabel = "N", description = "keep.yearly (default: 0).")
  String keepYearly;

  @Option(
      names = "--keep-within",
      paramLabel = "DURATION",
      description = "keep.within, e.g. 7d (default: 0h = off).")
  String keepWithin;

  @Option(
      names = "--log-level",
      paramLabel = "LEVEL",
      description = "log.level: error, warn, info or debug (default: info).")
  String logLevel;

  @Option(
      names = "--status-root",
      paramLabel = "DIR",
      description =
          "status.root: the host's root (/) when the daemon runs on the host itself; exports its"
              + " uncommitted changes (default: off).")
  String statusRoot;

  @Option(
      names = "--password-file",
      paramLabel = "FILE",
      description = "password.file: password of encrypted apkovls, mode 0600 (default: none).")
  String passwordFile;

  @Option(
      names = "--ssh-identity",
      paramLabel = "FILE",
      description = "ssh.identity: private key for ssh:// sources (default: ssh's own choice).")
  String sshIdentity;

  @Option(
      names = "--ssh-options",
      paramLabel = "'NAME=VALUE ...'",
      description = "ssh.options: ssh -o options for ssh:// sources, separated by spaces.")
  String sshOptions;

  /** The flags that were given, by configuration key. */
  Map<String, String> flags() {
    Map<String, String> m = new LinkedHashMap<>();
    put(m, "repo", repo);
    put(m, "source", source);
    put(m, "lbu.conf", lbuConf);
    put(m, "host", host);
    put(m, "listen", listen);
    put(m, "textfile.dir", textfileDir);
    put(m, "backup.schedule", backupSchedule);
    put(m, "verify.schedule", verifySchedule);
    put(m, "settle", settle);
    put(m, "rescan", rescan);
    put(m, "lock.wait", lockWait);
    put(m, "keep.last", keepLast);
    put(m, "keep.daily", keepDaily);
    put(m, "keep.weekly", keepWeekly);
    put(m, "keep.monthly", keepMonthly);
    put(m, "keep.yearly", keepYearly);
    put(m, "keep.within", keepWithin);
    put(m, "log.level", logLevel);
    put(m, "status.root", statusRoot);
    put(m, "password.file", passwordFile);
    put(m, "ssh.identity", sshIdentity);
    put(m, "ssh.options", sshOptions);
    return m;
  }

  private static void put(Map<String, String> m, String key, String value) {
    if (value != null) {
      m.put(key, value);
    }
  }

  /** File, then $LBUVAULT_REPO for an unset repo, then flags: the merged, validated settings. */
  DaemonSettings settings() throws IOException {
    Path file = config != null ? config : DaemonSettings.DEFAULT_CONFIG;
    ConfigFile read =
        ConfigFile.read(
            file, config != null, DaemonSettings.keyNames(), DaemonSettings.SECTION_KEYS);
    Map<String, String> values = new LinkedHashMap<>(read.values());
    String envRepo = System.getenv("LBUVAULT_REPO");
    if (!values.containsKey("repo") && envRepo != null && !envRepo.isBlank()) {
      values.put("repo", envRepo);
    }
    values.putAll(flags());
    return DaemonSettings.parse(values, read.sections());
  }

  @Override
  public Integer call() throws Exception {
    DaemonSettings settings = settings();
    if (handoff != null) {
      handoff.accept(settings);
      return ExitCodes.OK;
    }
    return DaemonRun.run(settings);
  }
}
