package dev.lbuvault.cli;

import dev.lbuvault.config.ConfigFile;
import dev.lbuvault.daemon.Daemon;
import dev.lbuvault.daemon.DaemonSettings;
import dev.lbuvault.daemon.HangupSignal;
import dev.lbuvault.metrics.LbuvaultMetrics;
import dev.lbuvault.metrics.MetricsServer;
import dev.lbuvault.metrics.TextfileExporter;
import dev.lbuvault.status.HostStatus;
import dev.lbuvault.status.ReplicaSink;
import dev.lbuvault.status.StatusSink;
import dev.lbuvault.text.OneLinePrintStream;
import dev.lbuvault.uncommitted.UncommittedReport;
import dev.lbuvault.uncommitted.UncommittedSink;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lbuvault daemon}: runs in the foreground under runit or OpenRC, backs up on a schedule and
 * after each {@code lbu commit}, prunes, verifies, and serves metrics. Here the configuration file
 * and the flags are merged (flags win), the metrics registry, the HTTP endpoint and the textfile
 * are wired to the daemon, and SIGTERM is turned into a clean stop with exit status 0.
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
  private static final Duration WATCH_INTERVAL = Duration.ofSeconds(10);

  // What the shutdown hook exits with: 0 for a requested stop, 1 after a fault.
  private static volatile int exitStatus = ExitCodes.OK;

  /** Set by scripts/lbuvault for the daemon: the launcher's own path, to start backups with. */
  static final String LAUNCHER_ENV = "LBUVAULT_LAUNCHER";

  private static final AtomicBoolean START_FAILED = new AtomicBoolean();

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
    configureLogging(settings.logLevel());
    // slf4j-simple prints each record with one println to System.err: escaped there, a name with a
    // newline cannot split a record or forge a second one.
    System.setErr(new OneLinePrintStream(System.err, Charset.defaultCharset()));
    Logger log = LoggerFactory.getLogger("lbuvault");
    Thread.setDefaultUncaughtExceptionHandler(
        (thread, e) -> fail(log, "thread " + thread.getName() + " died: " + e));

    LbuvaultMetrics metrics = new LbuvaultMetrics();
    metrics.bindProcessMetrics();
    Optional<TextfileExporter> textfile = settings.textfileDir().map(TextfileExporter::new);
    Runnable writeTextfile =
        () ->
            textfile.ifPresent(
                t -> {
                  try {
                    t.write(metrics);
                  } catch (IOException e) {
                    log.error("cannot write {}: {}", t.file(), e.toString());
                  }
                });
    StatusSink sink =
        new StatusSink() {
          @Override
          public void publish(HostStatus status) {
            metrics.publish(status);
            writeTextfile.run();
          }

          @Override
          public StatusSink forSource(int index) {
            StatusSink source = metrics.forSource(index);
            return status -> {
              source.publish(status);
              writeTextfile.run();
            };
          }
        };
    UncommittedSink uncommitted =
        new UncommittedSink() {
          @Override
          public void publish(UncommittedReport report) {
            metrics.publish(report);
            writeTextfile.run();
          }

          @Override
          public void clear(String host) {
            metrics.clear(host);
            writeTextfile.run();
          }
        };
    ReplicaSink replicas =
        status -> {
          metrics.publish(status);
          writeTextfile.run();
        };
    Daemon daemon = new Daemon(settings, Clock.systemDefaultZone(), sink, uncommitted, replicas);
    // Started by the launcher (which names itself here), the daemon runs each backup as
    // `lbuvault backup` in a child JVM, so what a backup loads is gone when it ends.
    String launcher = System.getenv(LAUNCHER_ENV);
    if (launcher != null && !launcher.isBlank()) {
      daemon.runBackupsIn(java.util.List.of(launcher));
    }
    AtomicBoolean ready = new AtomicBoolean();
    MetricsServer server = null;
    if (settings.listen().isPresent()) {
      InetSocketAddress address = settings.listen().get();
      try {
        // Bound before anything else starts, so a taken port fails at once.
        // Healthy only once start-up is complete (signal handlers, shutdown hook, scheduler): a
        // supervisor that signals the daemon as soon as /healthz says 200 must find it ready.
        server =
            MetricsServer.start(address, metrics::scrape, () -> ready.get() && daemon.isRunning());
      } catch (IOException e) {
        throw new CommandFailure(
            ExitCodes.FAILURE,
            "cannot listen on "
                + address
                + ": "
                + e.getMessage()
                + " (set listen = HOST:PORT to a free port, or off)");
      }
    }
    // Before the scheduler starts, like the shutdown hook: /healthz answers as soon as it runs.
    if (!HangupSignal.handle(
        () ->
            log.info(
                "SIGHUP received: ignored; the configuration is read at start, restart the"
                    + " service to apply a change"))) {
      log.warn("cannot handle SIGHUP on this JVM: a SIGHUP stops the daemon");
    }
    // Installed before the scheduler starts: /healthz answers as soon as it runs, and a SIGTERM
    // that arrived before the hook was in place would end the JVM with 143 instead of 0.
    MetricsServer httpServer = server;
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  if (START_FAILED.get() || !(daemon.isRunning() || daemon.hasFailed())) {
                    return; // never started: the exit code already chosen stands
                  }
                  daemon.stop();
                  if (httpServer != null) {
                    httpServer.close();
                  }
                  // On SIGTERM the JVM would exit with 143 (128 + 15): runit and supervise-daemon
                  // would call a clean stop a failure. Everything is stopped: exit 0, unless a
                  // fault ended the daemon (then the code fail() chose).
                  Runtime.getRuntime().halt(exitStatus);
                },
                "lbuvault-shutdown"));
    try {
      daemon.start();
    } catch (Exception | Error e) {
      START_FAILED.set(true);
      if (server != null) {
        server.close();
      }
      throw e;
    }
    ready.set(true);
    if (server != null) {
      log.info("serving /metrics and /healthz on http://{}/", hostPort(server.address()));
    }
    // The main thread watches the scheduler: if a fault stops it, /healthz would answer 503
    // forever; exiting non-zero lets runit or supervise-daemon restart the daemon.
    while (!daemon.awaitStopped(WATCH_INTERVAL)) {
      if (daemon.hasFailed()) {
        fail(log, "the scheduler is no longer running");
      }
    }
    return exitStatus;
  }

  /** Logs {@code why} and exits 1 (the shutdown hook stops what is still running). */
  private static void fail(Logger log, String why) {
    log.error("{}: exiting with status 1 so that the service supervisor restarts lbuvault", why);
    exitStatus = ExitCodes.FAILURE;
    // From a new thread: System.exit blocks its caller until the hooks ran, and a hook may wait
    // for the very thread that failed.
    Thread exit = new Thread(() -> System.exit(ExitCodes.FAILURE), "lbuvault-exit");
    exit.start();
  }

  private static String hostPort(InetSocketAddress a) {
    String h = a.getAddress().getHostAddress();
    return (h.contains(":") ? "[" + h + "]" : h) + ":" + a.getPort();
  }

  /** Sets slf4j-simple's levels; must run before the first logger is created. */
  static void configureLogging(String level) {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", level);
    System.setProperty(
        "org.slf4j.simpleLogger.log.org.quartz", "error".equals(level) ? "error" : "warn");
  }
}
