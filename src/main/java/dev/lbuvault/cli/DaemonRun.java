package dev.lbuvault.cli;

import dev.lbuvault.daemon.Daemon;
import dev.lbuvault.daemon.DaemonSettings;
import dev.lbuvault.daemon.HangupSignal;
import dev.lbuvault.metrics.LbuvaultMetrics;
import dev.lbuvault.metrics.MetricsServer;
import dev.lbuvault.text.OneLinePrintStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.Charset;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code lbuvault daemon} does once its settings are read: wires the metrics registry, the
 * HTTP endpoint and the textfile to the daemon, turns SIGTERM into a clean stop with exit status 0,
 * and watches the scheduler until it stops. It uses no picocli type, so that {@link Start} can run
 * it after the class loader that parsed the command line, and picocli with it, is gone.
 */
final class DaemonRun {
  private static final Duration WATCH_INTERVAL = Duration.ofSeconds(10);

  // What the shutdown hook exits with: 0 for a requested stop, 1 after a fault.
  private static volatile int exitStatus = ExitCodes.OK;

  /** Set by scripts/lbuvault for the daemon: the launcher's own path, to start backups with. */
  static final String LAUNCHER_ENV = "LBUVAULT_LAUNCHER";

  private static final AtomicBoolean START_FAILED = new AtomicBoolean();

  private DaemonRun() {}

  /**
   * Runs the daemon with {@code settings} until it is stopped; returns the exit status: 0 after
   * SIGTERM, 1 after a fault (the shutdown hook halts with it first).
   */
  static int run(DaemonSettings settings) throws Exception {
    Logger log = startLogging(settings.logLevel());
    LbuvaultMetrics metrics = new LbuvaultMetrics();
    metrics.bindProcessMetrics();
    MetricsSinks sinks = new MetricsSinks(metrics, settings.textfileDir(), log);
    Daemon daemon =
        new Daemon(
            settings,
            Clock.systemDefaultZone(),
            sinks.status(),
            sinks.uncommitted(),
            sinks.replicas());
    runBackupsThroughTheLauncher(daemon);
    // Healthy only once start-up is complete (signal handlers, shutdown hook, scheduler): a
    // supervisor that signals the daemon as soon as /healthz says 200 must find it ready.
    AtomicBoolean ready = new AtomicBoolean();
    Optional<MetricsServer> server =
        listen(settings, metrics, () -> ready.get() && daemon.isRunning());
    ignoreHangups(log);
    stopCleanlyOnSigterm(daemon, server);
    start(daemon, server);
    ready.set(true);
    server.ifPresent(
        s -> log.info("serving /metrics and /healthz on http://{}/", hostPort(s.address())));
    watchUntilStopped(daemon, log);
    return exitStatus;
  }

  private static Logger startLogging(String level) {
    configureLogging(level);
    // slf4j-simple prints each record with one println to System.err: escaped there, a name with a
    // newline cannot split a record or forge a second one.
    System.setErr(new OneLinePrintStream(System.err, Charset.defaultCharset()));
    Logger log = LoggerFactory.getLogger("lbuvault");
    Thread.setDefaultUncaughtExceptionHandler(
        (thread, e) -> fail(log, "thread " + thread.getName() + " died: " + e));
    return log;
  }

  /**
   * Started by the launcher (which names itself here), the daemon runs each backup as {@code
   * lbuvault backup} in a child JVM, so what a backup loads is gone when it ends.
   */
  private static void runBackupsThroughTheLauncher(Daemon daemon) {
    String launcher = System.getenv(LAUNCHER_ENV);
    if (launcher != null && !launcher.isBlank()) {
      daemon.runBackupsIn(List.of(launcher));
    }
  }

  /** Binds the metrics endpoint before anything else starts, so a taken port fails at once. */
  private static Optional<MetricsServer> listen(
      DaemonSettings settings, LbuvaultMetrics metrics, BooleanSupplier healthy)
      throws CommandFailure {
    if (settings.listen().isEmpty()) {
      return Optional.empty();
    }
    InetSocketAddress address = settings.listen().get();
    try {
      return Optional.of(MetricsServer.start(address, metrics::scrape, healthy));
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

  /** Before the scheduler starts, like the shutdown hook: /healthz answers as soon as it runs. */
  private static void ignoreHangups(Logger log) {
    if (!HangupSignal.handle(
        () ->
            log.info(
                "SIGHUP received: ignored; the configuration is read at start, restart the"
                    + " service to apply a change"))) {
      log.warn("cannot handle SIGHUP on this JVM: a SIGHUP stops the daemon");
    }
  }

  /**
   * Installed before the scheduler starts: /healthz answers as soon as it runs, and a SIGTERM that
   * arrived before the hook was in place would end the JVM with 143 instead of 0.
   */
  private static void stopCleanlyOnSigterm(Daemon daemon, Optional<MetricsServer> server) {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  if (START_FAILED.get() || !(daemon.isRunning() || daemon.hasFailed())) {
                    return; // never started: the exit code already chosen stands
                  }
                  daemon.stop();
                  server.ifPresent(MetricsServer::close);
                  // On SIGTERM the JVM would exit with 143 (128 + 15): runit and supervise-daemon
                  // would call a clean stop a failure. Everything is stopped: exit 0, unless a
                  // fault ended the daemon (then the code fail() chose).
                  Runtime.getRuntime().halt(exitStatus);
                },
                "lbuvault-shutdown"));
  }

  private static void start(Daemon daemon, Optional<MetricsServer> server) throws Exception {
    try {
      daemon.start();
    } catch (Exception | Error e) {
      START_FAILED.set(true);
      server.ifPresent(MetricsServer::close);
      throw e;
    }
  }

  /**
   * The main thread watches the scheduler: if a fault stops it, /healthz would answer 503 forever;
   * exiting non-zero lets runit or supervise-daemon restart the daemon.
   */
  private static void watchUntilStopped(Daemon daemon, Logger log) throws InterruptedException {
    while (!daemon.awaitStopped(WATCH_INTERVAL)) {
      if (daemon.hasFailed()) {
        fail(log, "the scheduler is no longer running");
      }
    }
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
