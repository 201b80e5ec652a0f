package dev.lbuvault.cli;

import dev.lbuvault.archive.ApkovlValidator;
import dev.lbuvault.backup.BackupOutcome;
import dev.lbuvault.backup.BackupRequest;
import dev.lbuvault.backup.BackupResult;
import dev.lbuvault.backup.BackupService;
import dev.lbuvault.backup.CardVolumeSource;
import dev.lbuvault.config.DurationOption;
import dev.lbuvault.config.LbuConfig;
import dev.lbuvault.crypto.Password;
import dev.lbuvault.device.CardVolumeLocator;
import dev.lbuvault.device.FatVolumeProbe;
import dev.lbuvault.device.LinuxPaths;
import dev.lbuvault.json.Json;
import dev.lbuvault.metrics.LbuvaultMetrics;
import dev.lbuvault.metrics.TextfileExporter;
import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.repo.CardVolumeRecord;
import dev.lbuvault.repo.HostNames;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.RepositoryException;
import dev.lbuvault.source.CardLocation;
import dev.lbuvault.source.CardScanner;
import dev.lbuvault.source.SourceBusyException;
import dev.lbuvault.source.SourceException;
import dev.lbuvault.status.DaemonState;
import dev.lbuvault.status.HostChoice;
import dev.lbuvault.status.HostStatus;
import dev.lbuvault.status.RepositoryStats;
import dev.lbuvault.status.RunResult;
import dev.lbuvault.status.SourceProbe;
import dev.lbuvault.status.SourceSnapshot;
import dev.lbuvault.status.StateStore;
import dev.lbuvault.text.ByteSizes;
import dev.lbuvault.text.OneLine;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lbuvault backup}: stores a new version of the card if anything on it changed. */
@Command(
    name = "backup",
    mixinStandardHelpOptions = true,
    description = {
      "Store a new version of the card if any file differs from the newest version.",
      "Exit 0 when stored or unchanged, 5 when lbu is writing the card (retry later);",
      "an ssh:// source: 6 host unreachable, 7 login or host key refused, 8 no such",
      "directory there, 9 transfer broke off.",
      "With --textfile-dir, metrics for node_exporter are written after every run."
    })
final class BackupCommand implements Callable<Integer> {
  private static final String NO_SPACE = "No space left on device";

  @Spec CommandSpec spec;
  @Mixin RepoOptions repoOptions;
  @Mixin PasswordOption passwordOption;

  @Option(
      names = "--source",
      paramLabel = "DIR|URL",
      description = {
        "Where the card is mounted (default: /media/$LBU_MEDIA from /etc/lbu/lbu.conf), or",
        "ssh://[user@]host[:port]/path to read it from another host over ssh."
      })
  String source;

  @Option(
      names = "--ssh-identity",
      paramLabel = "FILE",
      description = "Private key for an ssh:// source (default: ssh's own choice).")
  Path sshIdentity;

  @Option(
      names = "--ssh-option",
      paramLabel = "NAME=VALUE",
      description = {
        "An ssh -o option for an ssh:// source (repeatable), e.g.",
        "UserKnownHostsFile=/etc/lbuvault/known_hosts; BatchMode is always yes."
      })
  java.util.List<String> sshOptions = new java.util.ArrayList<>();

  @Option(
      names = "--lbu-conf",
      paramLabel = "FILE",
      defaultValue = "/etc/lbu/lbu.conf",
      description = "lbu's configuration, read for the default source (default: ${DEFAULT-VALUE}).")
  Path lbuConf;

  @Option(
      names = "--rehash",
      description = "Re-read every file, even those whose size and mtime are unchanged.")
  boolean rehash;

  @Option(
      names = "--lock-wait",
      paramLabel = "DURATION",
      defaultValue = "0s",
      description =
          "Wait this long for another writer to finish (e.g. 30s, 5m; default: fail at once).")
  String lockWait;

  @Option(names = "--json", description = "Print the result as JSON.")
  boolean json;

  @Option(
      names = "--textfile-dir",
      paramLabel = "DIR",
      description = {
        "After the run, whatever its result, write lbuvault.prom into DIR for node_exporter's",
        "textfile collector; counters continue from REPO/hosts/HOST/daemon-state.json."
      })
  Path textfileDir;

  @Override
  public Integer call() throws Exception {
    // An unsafe password file is a usage error, found before any work is done or recorded.
    Optional<Password> password = passwordOption.read();
    Clock clock = Clock.systemUTC();
    Instant start = clock.instant();
    CardLocation src = null;
    BackupResult r = null;
    Exception failure = null;
    try {
      src = resolveSource();
      r = run(src, clock, password);
    } catch (Exception e) {
      failure = e;
    }
    if (textfileDir != null) {
      try {
        exportTextfile(src, r, failure, start, clock.instant());
      } catch (IOException | RuntimeException e) {
        if (failure == null) {
          throw new IOException(
              "backup done, but the metrics textfile in "
                  + textfileDir
                  + " could not be written: "
                  + e.getMessage(),
              e);
        }
        spec.commandLine().getErr().println("lbuvault: cannot write the metrics textfile: " + e);
      }
    }
    if (failure != null) {
      throw failure;
    }
    print(r);
    return ExitCodes.OK;
  }

  private BackupResult run(CardLocation src, Clock clock, Optional<Password> password)
      throws Exception {
    Duration wait = OptionValues.convert(spec, "--lock-wait", () -> DurationOption.parse(lockWait));
    Repository repo = Repository.open(repoOptions.repo, ProcessRunner.system());
    CardVolumeLocator locator = new CardVolumeLocator(LinuxPaths.MOUNTINFO, new FatVolumeProbe());
    CardVolumeSource volumes =
        dir ->
            locator
                .locate(dir)
                .map(
                    l ->
                        new CardVolumeRecord(
                            l.device(), l.volume().volumeId(), l.volume().label()));
    BackupService service =
        new BackupService(repo, clock, new CardScanner(), new ApkovlValidator(password), volumes);
    try {
      return service.run(new BackupRequest(src, repoOptions.host(), rehash, wait));
    } catch (java.io.IOException e) {
      if (String.valueOf(e.getMessage()).contains(NO_SPACE)) {
        throw new CommandFailure(
            ExitCodes.FAILURE,
            "repository "
                + repo.root()
                + " is full ("
                + NO_SPACE
                + "): nothing was stored; free space on its filesystem or remove old versions"
                + " with lbuvault prune, then run the backup again");
      }
      throw e;
    }
  }

  private void print(BackupResult r) {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    for (String w : r.warnings()) {
      err.println("warning: " + OneLine.escape(w));
    }
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("result", r.outcome().name().toLowerCase(java.util.Locale.ROOT));
      m.put("host", r.host());
      m.put("version", r.versionId().value());
      m.put("files", r.files());
      m.put("totalBytes", r.totalBytes());
      m.put("bytesCopied", r.bytesCopied());
      m.put("seconds", r.elapsed().toMillis() / 1000.0);
      m.put("warnings", r.warnings());
      out.print(Json.write(m));
    } else if (r.outcome() == BackupOutcome.STORED) {
      out.printf(
          "stored version %s of host %s: %d files, %s (%s read from the card) in %.1f s%n",
          r.versionId(),
          r.host(),
          r.files(),
          ByteSizes.human(r.totalBytes()),
          ByteSizes.human(r.bytesCopied()),
          r.elapsed().toMillis() / 1000.0);
    } else {
      out.printf(
          "unchanged: the card matches version %s of host %s (%d files, %s)%n",
          r.versionId(), r.host(), r.files(), ByteSizes.human(r.totalBytes()));
    }
  }

  /**
   * Records this run in the host's state file and writes the textfile from it, so that cron-driven
   * one-shot backups give the same metrics (and keep counting) as the daemon. When the repository
   * cannot be opened or the host is only a guess, nothing is recorded and the file shows this run
   * alone.
   */
  private void exportTextfile(
      CardLocation src, BackupResult r, Exception failure, Instant start, Instant end)
      throws IOException {
    RunResult result =
        r != null
            ? (r.outcome() == BackupOutcome.STORED ? RunResult.STORED : RunResult.UNCHANGED)
            : failure instanceof SourceBusyException ? RunResult.BUSY : RunResult.FAILED;
    UnaryOperator<DaemonState> record =
        s -> s.withBackup(result, end, Duration.between(start, end));
    SourceSnapshot source =
        src == null
            ? SourceSnapshot.down("no source given")
            : src instanceof CardLocation.Local local
                ? SourceProbe.probe(local.path())
                : remoteSnapshot(r, failure);
    Repository repo = null;
    try {
      repo = Repository.open(repoOptions.repo, ProcessRunner.system());
    } catch (RepositoryException | IOException | RuntimeException e) {
      // reported by the backup itself; the textfile still shows the failed run
    }
    HostChoice host =
        r != null
            ? new HostChoice(r.host(), true)
            : HostChoice.choose(repoOptions.host(), source, repo);
    DaemonState state = record.apply(DaemonState.empty());
    RepositoryStats stats = RepositoryStats.empty();
    if (repo != null && HostNames.isValid(host.name())) {
      StateStore store = StateStore.of(repo, host.name());
      if (host.authoritative() || store.hostExists()) {
        state = recordRun(store, record);
      }
      try {
        stats = RepositoryStats.of(repo, host.name());
      } catch (IOException | RuntimeException e) {
        // The textfile still shows the run; the counts come back once the repository is readable.
      }
    }
    LbuvaultMetrics metrics = new LbuvaultMetrics();
    metrics.publish(
        new HostStatus(host.name(), state, stats, source.up(), source.apkovlModified(host.name())));
    new TextfileExporter(textfileDir).write(metrics);
  }

  /**
   * Records the run in the host's state file; when that cannot be written (a read-only or full
   * repository: often the very failure being reported), the run is counted on top of the stored
   * state in memory only, so the textfile still shows this failed attempt.
   */
  private DaemonState recordRun(StateStore store, UnaryOperator<DaemonState> record) {
    try {
      return store.update(record);
    } catch (IOException | RuntimeException e) {
      spec.commandLine()
          .getErr()
          .println(
              OneLine.escape(
                  "lbuvault: cannot record the run in "
                      + store.file()
                      + " ("
                      + e.getMessage()
                      + "); the metrics textfile shows it, but the next run will not count it"));
      DaemonState stored;
      try {
        stored = store.read();
      } catch (IOException | RuntimeException unreadable) {
        stored = DaemonState.empty();
      }
      return record.apply(stored);
    }
  }

  /** A remote card is up when this run could read it; its root is not probed separately. */
  private static SourceSnapshot remoteSnapshot(BackupResult r, Exception failure) {
    if (r != null || failure instanceof SourceBusyException) {
      return new SourceSnapshot(true, "", Map.of(), java.util.List.of(), false);
    }
    return SourceSnapshot.down(
        failure == null || failure.getMessage() == null ? "not read" : failure.getMessage());
  }

  /** ssh settings given for a local source, or a key file that is not there, are usage errors. */
  private void requireSshOptionsFit(CardLocation location) {
    boolean ssh = location instanceof CardLocation.Remote;
    if (!ssh && (sshIdentity != null || !sshOptions.isEmpty())) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(),
          "--ssh-identity and --ssh-option apply only to an ssh://[user@]host[:port]/path source");
    }
    if (sshIdentity != null && !java.nio.file.Files.isReadable(sshIdentity)) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--ssh-identity " + sshIdentity + " is not a readable file");
    }
  }

  private CardLocation resolveSource() throws Exception {
    if (source != null) {
      CardLocation location =
          OptionValues.convert(
              spec,
              "--source",
              () -> CardLocation.parse(source, Optional.ofNullable(sshIdentity), sshOptions));
      requireSshOptionsFit(location);
      return location;
    }
    Optional<Path> fromLbu = LbuConfig.read(lbuConf).sourceDir();
    if (fromLbu.isEmpty()) {
      throw new SourceException(
          "no --source given and "
              + lbuConf
              + " sets neither LBU_MEDIA nor LBU_BACKUPDIR: give the card's mount point with --source");
    }
    return new CardLocation.Local(fromLbu.get());
  }
}
