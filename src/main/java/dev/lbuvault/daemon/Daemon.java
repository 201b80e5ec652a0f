package dev.lbuvault.daemon;

import dev.lbuvault.BuildInfo;
import dev.lbuvault.archive.ApkovlValidator;
import dev.lbuvault.backup.BackupService;
import dev.lbuvault.backup.CardVolumeSource;
import dev.lbuvault.crypto.Password;
import dev.lbuvault.crypto.PasswordFile;
import dev.lbuvault.crypto.PasswordFileException;
import dev.lbuvault.device.CardVolumeLocator;
import dev.lbuvault.device.FatVolumeProbe;
import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.prune.PruneService;
import dev.lbuvault.repo.CardVolumeRecord;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.RepositoryException;
import dev.lbuvault.retention.RetentionPlanner;
import dev.lbuvault.source.CardScanner;
import dev.lbuvault.status.ReplicaSink;
import dev.lbuvault.status.StatusSink;
import dev.lbuvault.uncommitted.UncommittedSink;
import dev.lbuvault.verify.Verifier;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.TimeZone;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.quartz.CronExpression;
import org.quartz.CronScheduleBuilder;
import org.quartz.JobBuilder;
import org.quartz.JobDataMap;
import org.quartz.JobExecutionContext;
import org.quartz.JobExecutionException;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.TriggerBuilder;
import org.quartz.impl.DirectSchedulerFactory;
import org.quartz.impl.matchers.KeyMatcher;
import org.quartz.listeners.JobListenerSupport;
import org.quartz.simpl.RAMJobStore;
import org.quartz.spi.ThreadExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code lbuvault daemon}: a Quartz scheduler (in-memory job store, two threads) runs the backup
 * and verify schedules, a {@link SourceWatcher} turns {@code lbu commit}s into backups, and every
 * result is published to a {@link StatusSink}. Quartz's in-memory store forgets misfires across
 * restarts, so the daemon keeps the last scheduled backup time in the host's state file and, at
 * startup, runs one backup if a scheduled time passed since then (the machine was off at 3 a.m.).
 * {@link #stop()} lets a running backup finish for up to 15 s, then interrupts it so that it
 * abandons its work cleanly, and returns within about 25 s in all.
 */
public final class Daemon {
  private static final Logger LOG = LoggerFactory.getLogger("lbuvault");
  private static final AtomicInteger INSTANCES = new AtomicInteger();
  // Each source's jobs are in group "source-INDEX": Quartz runs two different jobs at once, and the
  // WorkGate makes them take turns.
  private static final String SOURCE = "source-";
  private static final String BACKUP = "backup";
  private static final String VERIFY = "verify";
  // Each replication target's job is in group "target-INDEX".
  private static final String TARGET = "target-";
  private static final String REPLICATE = "replicate";
  private static final JobKey UNCOMMITTED = JobKey.jobKey("uncommitted", "lbuvault");

  /** How often the uncommitted-changes metrics are refreshed (and after each backup). */
  static final int UNCOMMITTED_EVERY_MINUTES = 15;

  private static final Duration FINISH_GRACE = Duration.ofSeconds(15);
  private static final Duration ABANDON_GRACE = Duration.ofSeconds(8);

  private final DaemonSettings settings;
  private final Clock clock;
  private final StatusSink sink;
  private final UncommittedSink uncommittedSink;
  private final ReplicaSink replicaSink;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final WorkGate gate = new WorkGate();
  private final AtomicLong oneShots = new AtomicLong();
  // Set once by start(); read by stop(), the HTTP thread and the Quartz threads.
  private volatile List<DaemonTasks> tasks = List.of();
  private volatile Scheduler scheduler;
  private volatile List<SourceWatcher> watchers = List.of();
  private boolean stopRequested;
  private List<String> childCommand = List.of();

  public Daemon(DaemonSettings settings, Clock clock, StatusSink sink) {
    this(settings, clock, sink, null);
  }

  /**
   * @param uncommittedSink where the uncommitted-changes reports go when {@code status.root} is
   *     set; null for none
   */
  public Daemon(
      DaemonSettings settings, Clock clock, StatusSink sink, UncommittedSink uncommittedSink) {
    this(settings, clock, sink, uncommittedSink, ReplicaSink.none());
  }

  /**
   * @param uncommittedSink where the uncommitted-changes reports go when {@code status.root} is
   *     set; null for none
   * @param replicaSink where each host's replication results go
   */
  public Daemon(
      DaemonSettings settings,
      Clock clock,
      StatusSink sink,
      UncommittedSink uncommittedSink,
      ReplicaSink replicaSink) {
    this.settings = settings;
    this.clock = clock;
    this.sink = sink;
    this.uncommittedSink = uncommittedSink;
    this.replicaSink = replicaSink;
  }

  /**
   * Runs every backup, verify, prune, replication and uncommitted-changes refresh in a child
   * process started by {@code lbuvault} (the launcher, or any command that starts lbuvault's {@code
   * main}) instead of in this JVM: the idle daemon then never holds what the work loaded
   * (docs/monitoring.md#footprint), and the work gets the launcher's normal compilers. Call before
   * {@link #start()}.
   */
  public synchronized void runBackupsIn(List<String> lbuvault) {
    if (lbuvault.isEmpty()) {
      throw new IllegalArgumentException("the lbuvault command is empty");
    }
    childCommand = List.copyOf(lbuvault);
  }

  private BackupRunner backupRunner(
      Repository repository, Optional<Password> password, CardVolumeSource volumes) {
    if (!childCommand.isEmpty()) {
      return new ChildBackup(childCommand, repository.root(), settings.passwordFile());
    }
    BackupService service =
        new BackupService(
            repository, clock, new CardScanner(), new ApkovlValidator(password), volumes);
    return service::run;
  }

  private RepositoryWork repositoryWork(Repository repository, Optional<Password> password) {
    if (!childCommand.isEmpty()) {
      return new ChildWork(childCommand, repository.root(), settings.passwordFile());
    }
    return new InProcessWork(
        repository,
        new PruneService(repository, clock, new RetentionPlanner(clock.getZone())),
        // One hashing thread: a weekly verify may take longer, the Pi stays responsive.
        new Verifier(1),
        ProcessRunner.system(),
        clock,
        password);
  }

  /**
   * Opens the repository, restores the status, starts the schedules and the watcher.
   *
   * @throws RepositoryException when the repository cannot be opened
   * @throws IOException when the scheduler or the watch cannot be started
   */
  public synchronized void start() throws IOException, RepositoryException {
    Repository repository = Repository.open(settings.repo(), ProcessRunner.system());
    Optional<Password> password = password();
    List<SourceSettings> sources = settings.sources();
    List<DaemonTasks> all = new ArrayList<>();
    for (int i = 0; i < sources.size(); i++) {
      DaemonTasks t = newTasks(sources.get(i), repository, password, sink.forSource(i));
      t.initialize();
      all.add(t);
    }
    tasks = List.copyOf(all);
    RepositoryWork work = repositoryWork(repository, password);
    ReplicationTasks replication =
        new ReplicationTasks(
            settings, gate, repository, tasks, replicaSink, ProcessRunner.system(), work, clock);
    replication.initialize();
    TimeZone zone = TimeZone.getTimeZone(clock.getZone());
    try {
      scheduler = newScheduler();
      int home = homeSource();
      UncommittedRefresh uncommitted =
          home >= 0 && uncommittedSink != null
              ? new UncommittedRefresh(
                  work,
                  sources.get(home).statusRoot().get(),
                  tasks.get(home)::hostName,
                  uncommittedSink)
              : null;
      scheduler.setJobFactory(
          (bundle, s) -> {
            JobKey key = bundle.getJobDetail().getKey();
            if (key.equals(UNCOMMITTED)) {
              return new UncommittedJob(uncommitted);
            }
            if (key.getGroup().startsWith(TARGET)) {
              int target = Integer.parseInt(key.getGroup().substring(TARGET.length()));
              return new ReplicateJob(replication, settings.replicas().get(target));
            }
            DaemonTasks t = tasks.get(Integer.parseInt(key.getGroup().substring(SOURCE.length())));
            return key.getName().equals(BACKUP) ? new BackupJob(t) : new VerifyJob(t);
          });
      for (int i = 0; i < tasks.size(); i++) {
        scheduleSource(i, zone);
      }
      if (uncommitted != null) {
        scheduleUncommitted(backupKey(home));
      }
      scheduleReplication(replication, zone);
      scheduler.start();
    } catch (SchedulerException e) {
      throw new IOException("cannot start the scheduler: " + e.getMessage(), e);
    }
    List<SourceWatcher> started = new ArrayList<>();
    for (int i = 0; i < tasks.size(); i++) {
      catchUp(i, zone);
      DaemonTasks t = tasks.get(i);
      if (t.source().remote()) {
        if (t.neverBackedUp()) {
          new QuartzScheduling(i).backupNow("startup");
        }
        continue;
      }
      SourceWatcher w =
          new SourceWatcher(t.source().dir(), settings.settle(), settings.rescan(), clock, t);
      w.start();
      started.add(w);
    }
    watchers = List.copyOf(started);
    for (int i = 0; i < settings.replicas().size(); i++) {
      ReplicaSettings target = settings.replicas().get(i);
      LOG.info("replicating to {} ({}) on \"{}\"", target.name(), target.to(), target.schedule());
      if (replication.neverReplicated(target)) {
        LOG.info("a host was never replicated to {}: replicating once now", target.name());
        trigger(JobKey.jobKey(REPLICATE, TARGET + i), "first", Duration.ZERO);
      }
    }
    for (DaemonTasks t : tasks) {
      SourceSettings src = t.source();
      LOG.info(
          "lbuvault {} daemon started: repository {}, source {}, host {}, backup {}, verify {},"
              + " settle {}, rescan {}{}",
          BuildInfo.version(),
          repository.root(),
          src.location(),
          t.hostName(),
          src.backupSchedule().map(s -> "\"" + s + "\"").orElse("off"),
          settings.verifySchedule().map(s -> "\"" + s + "\"").orElse("off"),
          settings.settle(),
          settings.rescan(),
          settings.retention().isEmpty() ? ", no pruning" : ", pruning after each new version");
    }
  }

  private DaemonTasks newTasks(
      SourceSettings source,
      Repository repository,
      Optional<Password> password,
      StatusSink sourceSink) {
    CardVolumeLocator locator =
        new CardVolumeLocator(Path.of("/proc/self/mountinfo"), new FatVolumeProbe());
    CardVolumeSource volumes =
        dir ->
            locator
                .locate(dir)
                .map(
                    l ->
                        new CardVolumeRecord(
                            l.device(), l.volume().volumeId(), l.volume().label()));
    return new DaemonTasks(
        settings,
        source,
        gate,
        repository,
        clock,
        sourceSink,
        backupRunner(repository, password, volumes),
        repositoryWork(repository, password));
  }

  /** The index of the source the daemon runs on ({@code status.root} set), or -1. */
  private int homeSource() {
    List<SourceSettings> sources = settings.sources();
    for (int i = 0; i < sources.size(); i++) {
      if (sources.get(i).statusRoot().isPresent()) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Each target's job on its schedule, and a first run after any backup while some host with
   * versions was never replicated to it (a fresh daemon has no versions at its start): a job
   * listener, so nothing polls.
   */
  private void scheduleReplication(ReplicationTasks replication, TimeZone zone)
      throws SchedulerException {
    List<ReplicaSettings> targets = settings.replicas();
    if (targets.isEmpty()) {
      return;
    }
    for (int i = 0; i < targets.size(); i++) {
      JobKey job = JobKey.jobKey(REPLICATE, TARGET + i);
      scheduler.addJob(
          JobBuilder.newJob(ReplicateJob.class).withIdentity(job).storeDurably().build(), false);
      scheduler.scheduleJob(cronTrigger(job, targets.get(i).schedule(), zone));
    }
    scheduler
        .getListenerManager()
        .addJobListener(
            new JobListenerSupport() {
              @Override
              public String getName() {
                return "replicate-first-versions";
              }

              @Override
              public void jobWasExecuted(JobExecutionContext context, JobExecutionException e) {
                if (!context.getJobDetail().getKey().getName().equals(BACKUP)) {
                  return;
                }
                for (int i = 0; i < targets.size(); i++) {
                  if (replication.neverReplicated(targets.get(i))) {
                    trigger(JobKey.jobKey(REPLICATE, TARGET + i), "first", Duration.ZERO);
                  }
                }
              }
            });
  }

  /** Source {@code i}'s backup and verify jobs and their cron triggers. */
  private void scheduleSource(int i, TimeZone zone) throws SchedulerException {
    JobKey backup = backupKey(i);
    JobKey verify = JobKey.jobKey(VERIFY, SOURCE + i);
    scheduler.addJob(
        JobBuilder.newJob(BackupJob.class).withIdentity(backup).storeDurably().build(), false);
    scheduler.addJob(
        JobBuilder.newJob(VerifyJob.class).withIdentity(verify).storeDurably().build(), false);
    Optional<String> backupSchedule = settings.sources().get(i).backupSchedule();
    if (backupSchedule.isPresent()) {
      scheduler.scheduleJob(cronTrigger(backup, backupSchedule.get(), zone));
    }
    if (settings.verifySchedule().isPresent()) {
      scheduler.scheduleJob(cronTrigger(verify, settings.verifySchedule().get(), zone));
    }
    tasks.get(i).setScheduling(new QuartzScheduling(i));
  }

  private static JobKey backupKey(int source) {
    return JobKey.jobKey(BACKUP, SOURCE + source);
  }

  /** A scheduled backup missed while the daemon was down, and the first verify, for source i. */
  private void catchUp(int i, TimeZone zone) {
    DaemonTasks t = tasks.get(i);
    Optional<String> backupSchedule = t.source().backupSchedule();
    if (backupSchedule.isPresent()) {
      CronExpression cron = DaemonSettings.cron(backupSchedule.get(), zone);
      Optional<Instant> missed = t.missedSchedule(cron);
      if (missed.isPresent()) {
        LOG.info(
            "the scheduled backup of {} at {} was missed (the daemon was not running): running it"
                + " now",
            t.hostName(),
            missed.get());
        new QuartzScheduling(i).backupNow(DaemonTasks.REASON_CATCH_UP);
      }
    }
    if (settings.verifySchedule().isPresent() && t.neverVerified()) {
      LOG.info("no verify of {} has run yet: verifying once now, then on schedule", t.hostName());
      new QuartzScheduling(i).verifyNow("first");
    }
  }

  /**
   * Every 15 minutes from now, and after each backup run (a job listener, so no thread polls):
   * Quartz's one scheduler thread sleeps until the next fire time.
   */
  private void scheduleUncommitted(JobKey backup) throws SchedulerException {
    scheduler.addJob(
        JobBuilder.newJob(UncommittedJob.class).withIdentity(UNCOMMITTED).storeDurably().build(),
        false);
    scheduler.scheduleJob(
        TriggerBuilder.newTrigger()
            .forJob(UNCOMMITTED)
            .withIdentity("uncommitted-schedule", UNCOMMITTED.getGroup())
            .startNow()
            .withSchedule(
                SimpleScheduleBuilder.repeatMinutelyForever(UNCOMMITTED_EVERY_MINUTES)
                    .withMisfireHandlingInstructionNextWithRemainingCount())
            .build());
    scheduler
        .getListenerManager()
        .addJobListener(
            new JobListenerSupport() {
              @Override
              public String getName() {
                return "uncommitted-after-backup";
              }

              @Override
              public void jobWasExecuted(JobExecutionContext context, JobExecutionException e) {
                try {
                  scheduler.triggerJob(UNCOMMITTED);
                } catch (SchedulerException ex) {
                  LOG.debug("cannot refresh the uncommitted changes: {}", ex.toString());
                }
              }
            },
            KeyMatcher.keyEquals(backup));
  }

  private static org.quartz.Trigger cronTrigger(JobKey job, String expression, TimeZone zone) {
    return TriggerBuilder.newTrigger()
        .forJob(job)
        .withIdentity(job.getName() + "-schedule", job.getGroup())
        // A fire missed while the JVM ran but could not fire (suspend, busy pool): once, now.
        .withSchedule(
            CronScheduleBuilder.cronSchedule(expression)
                .inTimeZone(zone)
                .withMisfireHandlingInstructionFireAndProceed())
        .build();
  }

  /**
   * A scheduler built from its parts ({@link DirectSchedulerFactory}) rather than from properties:
   * {@code StdSchedulerFactory} sets the thread pool's and job store's properties through {@code
   * java.beans.Introspector}, which loads part of the {@code java.desktop} module and keeps the
   * introspected classes' methods in the daemon for good (docs/monitoring.md#footprint).
   */
  private static Scheduler newScheduler() throws SchedulerException {
    // Quartz keeps schedulers in a JVM-wide registry by name: each daemon needs its own.
    String name = "lbuvault-" + INSTANCES.incrementAndGet();
    LeanThreadPool pool = new LeanThreadPool();
    pool.setThreadCount(2);
    RAMJobStore store = new RAMJobStore();
    store.setMisfireThreshold(60_000);
    ThreadExecutor daemonThreads =
        new ThreadExecutor() {
          @Override
          public void initialize() {}

          @Override
          public void execute(Thread thread) {
            thread.setDaemon(true); // as org.quartz.scheduler.makeSchedulerThreadDaemon
            thread.start();
          }
        };
    DirectSchedulerFactory factory = DirectSchedulerFactory.getInstance();
    factory.createScheduler(
        name, name, pool, daemonThreads, store, null, null, 0, -1, -1, false, null);
    return factory.getScheduler(name);
  }

  /** True while the scheduler runs (what /healthz reports). */
  public synchronized boolean isRunning() {
    try {
      return scheduler != null
          && !stopRequested
          && scheduler.isStarted()
          && !scheduler.isShutdown()
          && !scheduler.isInStandbyMode();
    } catch (SchedulerException e) {
      return false;
    }
  }

  /**
   * True when the daemon was started and not asked to stop, but its scheduler no longer runs (shut
   * down or in standby by a fault): /healthz would answer 503 forever, so the process must exit for
   * its supervisor to restart it.
   */
  public synchronized boolean hasFailed() {
    return scheduler != null && !stopRequested && !isRunning();
  }

  /** The host of the first (in the single-source form, the only) source. */
  public String host() {
    return tasks.get(0).hostName();
  }

  /** The hosts of every source, in configuration order. */
  public List<String> hosts() {
    return tasks.stream().map(DaemonTasks::hostName).toList();
  }

  /**
   * Stops: no new runs, the watcher ends, a running backup gets 15 s to finish and is then
   * interrupted (it removes its half-made version and is not counted).
   */
  public void stop() {
    synchronized (this) {
      if (stopRequested || scheduler == null) {
        stopRequested = true;
        stopped.countDown();
        return;
      }
      stopRequested = true;
    }
    LOG.info("stopping");
    gate.beginStop();
    try {
      scheduler.standby();
    } catch (SchedulerException e) {
      LOG.debug("standby: {}", e.toString());
    }
    for (SourceWatcher watcher : watchers) {
      try {
        watcher.close();
      } catch (IOException e) {
        LOG.debug("closing the watch: {}", e.toString());
      }
    }
    if (!gate.awaitIdle(FINISH_GRACE)) {
      LOG.warn("a run is still going after {}: abandoning it", FINISH_GRACE);
      gate.interruptRunning();
      if (!gate.awaitIdle(ABANDON_GRACE)) {
        LOG.error("the running job did not stop; exiting anyway");
      }
    }
    try {
      scheduler.shutdown(false);
    } catch (SchedulerException e) {
      LOG.debug("shutdown: {}", e.toString());
    }
    LOG.info("stopped");
    stopped.countDown();
  }

  /** Blocks until {@link #stop()} has finished. */
  public void awaitStopped() throws InterruptedException {
    stopped.await();
  }

  /** Blocks until {@link #stop()} has finished or {@code timeout} passed; true when stopped. */
  public boolean awaitStopped(Duration timeout) throws InterruptedException {
    return stopped.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** How one source's requests become Quartz triggers of its jobs. */
  private final class QuartzScheduling implements Scheduling {
    private final JobKey backup;
    private final JobKey verify;

    QuartzScheduling(int source) {
      backup = backupKey(source);
      verify = JobKey.jobKey(VERIFY, SOURCE + source);
    }

    @Override
    public void backupNow(String reason) {
      trigger(backup, reason, Duration.ZERO);
    }

    @Override
    public void backupLater(String reason, Duration delay) {
      trigger(backup, reason, delay);
    }

    @Override
    public void verifyNow(String reason) {
      trigger(verify, reason, Duration.ZERO);
    }
  }

  /** Fires {@code job} once after {@code delay}, with {@code reason} for its log lines. */
  private void trigger(JobKey job, String reason, Duration delay) {
    JobDataMap data = new JobDataMap();
    data.put(BackupJob.REASON, reason);
    try {
      scheduler.scheduleJob(
          TriggerBuilder.newTrigger()
              // Named here: Quartz's own unique name is a random UUID plus an MD5, whose
              // SecureRandom and MessageDigest load the JDK's security providers into the daemon.
              .withIdentity(job.getName() + "-once-" + oneShots.incrementAndGet(), job.getGroup())
              .forJob(job)
              .usingJobData(data)
              // Quartz fires by the system clock, so "now" here is its now, not the injected one.
              .startAt(Date.from(Instant.now().plus(delay)))
              .build());
    } catch (SchedulerException e) {
      LOG.debug("cannot request a {} run ({}): {}", job.getName(), reason, e.toString());
    }
  }

  /** The apkovl password, read once at startup (settings checked the file's mode already). */
  private Optional<Password> password() throws IOException {
    if (settings.passwordFile().isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(PasswordFile.read(settings.passwordFile().get()));
    } catch (PasswordFileException e) {
      throw new IOException(e.getMessage(), e);
    }
  }
}
