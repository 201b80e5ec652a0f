package dev.lbuvault.cli;

import dev.lbuvault.config.DurationOption;
import dev.lbuvault.json.Json;
import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.prune.PruneOutcome;
import dev.lbuvault.replicate.ReceiveRequest;
import dev.lbuvault.replicate.ReplicationReport;
import dev.lbuvault.replicate.Replicator;
import dev.lbuvault.replicate.SshTarget;
import dev.lbuvault.replicate.Transfer;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.retention.RetentionDecision;
import dev.lbuvault.retention.RetentionPolicy;
import dev.lbuvault.ssh.SshCommand;
import dev.lbuvault.ssh.SshUrl;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code lbuvault replicate}: copies versions to another repository (btrfs send/receive, or
 * hard-linked tree copies into a plain one).
 */
@Command(
    name = "replicate",
    mixinStandardHelpOptions = true,
    description = {
      "Copy every version the target lacks to another repository, oldest first: between btrfs",
      "repositories with btrfs send | btrfs receive, incremental from the newest version both",
      "hold; into a plain one by copying each version's files, hard-linking those unchanged",
      "since the target's previous version, verified there before it is published. The target",
      "is created if missing (btrfs when both sides are on btrfs, else plain) and is a",
      "repository in its own right (list, verify, recover). With --keep-* the target is",
      "pruned afterwards (as prune does; never its newest version nor the newest one both",
      "sides hold), and versions it would not keep are not sent.",
      "To ssh://[user@]host[:port]/path, each version goes as btrfs send | ssh, into a btrfs",
      "repository there kept by lbuvault receive (docs/offsite.md); btrfs sources only. There",
      "--keep-* is applied by the far side, only if its key has receive --allow-prune.",
      "Exit 0 when every version is there, 1 when one could not be sent; over ssh 6 host",
      "unreachable, 7 login, host key or request refused, 8 no usable path there, 9 broke off."
    })
final class ReplicateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin RepoOptions repoOptions;
  @Mixin KeepOptions keepOptions;

  @Option(
      names = "--to",
      paramLabel = "DIR|ssh://[user@]host[:port]/path",
      required = true,
      description = {
        "Target repository (created when missing or empty); over ssh the far side runs",
        "lbuvault receive from its authorized_keys (see docs/offsite.md)."
      })
  String to;

  @Option(
      names = "--ssh-identity",
      paramLabel = "FILE",
      description = "Private key for an ssh:// target (default: ssh's own choice).")
  Path sshIdentity;

  @Option(
      names = "--ssh-option",
      paramLabel = "NAME=VALUE",
      description = "An ssh -o option for an ssh:// target (repeatable).")
  List<String> sshOptions = new ArrayList<>();

  @Option(
      names = "--compress",
      paramLabel = "auto|zstd|none",
      defaultValue = "auto",
      description = {
        "zstd on the wire to an ssh:// target: auto (default) uses it when both ends have zstd",
        "on their PATH; zstd requires it; none never."
      })
  String compress;

  @Option(names = "--dry-run", description = "Print what would be sent; send nothing.")
  boolean dryRun;

  @Option(
      names = "--lock-wait",
      paramLabel = "DURATION",
      defaultValue = "0s",
      description = "Wait this long for another writer of the target to finish.")
  String lockWait;

  @Option(names = "--json", description = "Print the result as one JSON document.")
  boolean json;

  /**
   * The daemon's replication (its child JVM): a local target that is not a repository is an error,
   * never created, since a disk unmounted since the daemon looked leaves an empty mount point.
   */
  @Option(names = "--no-create", hidden = true)
  boolean noCreate;

  @Override
  public Integer call() throws Exception {
    Duration wait = OptionValues.convert(spec, "--lock-wait", () -> DurationOption.parse(lockWait));
    RetentionPolicy keep = keepOptions.policy(spec);
    ProcessRunner runner = ProcessRunner.system();
    Repository source = Repository.open(repoOptions.repo, runner);
    List<String> hosts =
        repoOptions.host().isPresent()
            ? List.of(source.resolveHost(repoOptions.host()))
            : List.of();
    PrintWriter out = spec.commandLine().getOut();
    Replicator replicator;
    String targetRoot;
    if (SshUrl.looksLikeSsh(to)) {
      SshTarget ssh = sshTarget(runner);
      requireSendable(keep);
      targetRoot = ssh.name();
      replicator = new Replicator(source, ssh, Clock.systemUTC());
    } else if (dryRun && isNew(toDir())) {
      // Planning must not create the target, and a missing target is simply empty.
      targetRoot = toDir().toAbsolutePath().normalize().toString();
      replicator = Replicator.planIntoNew(source, Clock.systemUTC());
      if (!json) {
        out.printf("would create a %s repository at %s%n", targetBackend(source), targetRoot);
      }
    } else {
      Repository target = openOrCreate(source, runner);
      targetRoot = target.root().toString();
      replicator = new Replicator(source, target, runner, Clock.systemUTC());
    }
    ReplicationReport report =
        replicator.replicate(hosts, wait, dryRun, keep, ZoneId.systemDefault());
    if (json) {
      out.println(Json.write(toJson(report, targetRoot)));
    } else {
      print(report, targetRoot, out);
    }
    return report.ok() ? ExitCodes.OK : ExitCodes.FAILURE;
  }

  /** Rules an ssh:// target cannot be sent are a usage error before anything is sent. */
  private void requireSendable(RetentionPolicy keep) {
    if (keep.isEmpty()) {
      return;
    }
    try {
      ReceiveRequest.Prune.requireSendable(keep);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  /** The ssh:// target with its ssh options; a bad URL or option is a usage error. */
  private SshTarget sshTarget(ProcessRunner runner) {
    if (sshIdentity != null && !Files.isReadable(sshIdentity)) {
      throw new ParameterException(
          spec.commandLine(), "--ssh-identity " + sshIdentity + " is not a readable file");
    }
    SshTarget.Compression compression =
        switch (compress) {
          case "auto" -> SshTarget.Compression.AUTO;
          case "zstd" -> SshTarget.Compression.ZSTD;
          case "none" -> SshTarget.Compression.NONE;
          default ->
              throw new ParameterException(
                  spec.commandLine(),
                  "--compress must be auto, zstd or none, got \"" + compress + "\"");
        };
    try {
      SshUrl url = SshUrl.parse(to);
      SshCommand ssh = new SshCommand(url, Optional.ofNullable(sshIdentity), sshOptions);
      return new SshTarget(
          url.toString(),
          url.path(),
          line -> ssh.argv(List.of(line.split(" "))),
          runner,
          compression);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--to " + to + ": " + e.getMessage());
    }
  }

  private Path toDir() {
    if (sshIdentity != null || !sshOptions.isEmpty() || !"auto".equals(compress)) {
      throw new ParameterException(
          spec.commandLine(),
          "--ssh-identity, --ssh-option and --compress apply only to an ssh:// target");
    }
    return Path.of(to);
  }

  private void print(ReplicationReport report, String targetRoot, PrintWriter out) {
    for (Transfer t : report.sent()) {
      out.printf("%s %s %s (%s)%n", dryRun ? "would send" : "sent", t.host(), t.id(), t.kind());
    }
    for (Transfer t : report.notSent()) {
      out.printf("not sent %s %s (the target's --keep rules would remove it)%n", t.host(), t.id());
    }
    long removed = 0;
    for (Map.Entry<String, PruneOutcome> e : report.pruned().entrySet()) {
      for (RetentionDecision d : e.getValue().decisions()) {
        if (e.getValue().skipped(d)) {
          out.printf(
              "kept on target %s %s (being read by another lbuvault; replicate again later)%n",
              e.getKey(), d.version().id());
        } else if (!d.keep()) {
          out.printf(
              "%s %s %s (no --keep rule keeps it)%n",
              dryRun ? "would remove from target" : "removed from target",
              e.getKey(),
              d.version().id());
        }
      }
      removed += e.getValue().removed();
    }
    for (String f : report.failures()) {
      spec.commandLine().getErr().println("lbuvault: " + f);
    }
    out.printf(
        "%s %d version(s) to %s; %d already there%s%s%n",
        dryRun ? "would replicate" : "replicated",
        report.sent().size(),
        targetRoot,
        report.alreadyThere(),
        report.pruned().isEmpty()
            ? ""
            : "; " + (dryRun ? "would remove " : "removed ") + removed + " from the target",
        report.ok() ? "" : "; " + report.failures().size() + " failed (see above)");
  }

  /** A missing directory, or an empty one: what replicate would create a repository in. */
  private static boolean isNew(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return true;
    }
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    }
  }

  private Repository openOrCreate(Repository source, ProcessRunner runner) throws Exception {
    if (Files.exists(toDir().resolve(Repository.MARKER_FILE)) || dryRun || noCreate) {
      return Repository.open(toDir(), runner);
    }
    return Repository.init(toDir(), targetBackend(source), Clock.systemUTC(), runner);
  }

  /**
   * btrfs only when both the source and the target's filesystem are btrfs (then versions go with
   * send | receive); plain otherwise, and versions are copied as hard-linked trees.
   */
  private String targetBackend(Repository source) throws IOException {
    boolean btrfs =
        "btrfs".equals(source.backend().name())
            && "btrfs".equals(Repository.detectBackend(toDir()));
    return btrfs ? "btrfs" : "plain";
  }

  private static Map<String, Object> toJson(ReplicationReport r, String targetRoot) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("target", targetRoot);
    m.put("dryRun", r.dryRun());
    m.put("sent", r.sent().stream().map(ReplicateCommand::toJson).toList());
    m.put("alreadyThere", (long) r.alreadyThere());
    m.put("failures", r.failures());
    m.put("notSent", r.notSent().stream().map(ReplicateCommand::toJson).toList());
    List<Object> retention = new ArrayList<>();
    for (Map.Entry<String, PruneOutcome> e : r.pruned().entrySet()) {
      Map<String, Object> h = new LinkedHashMap<>();
      h.put("host", e.getKey());
      List<RetentionDecision> all = e.getValue().decisions();
      h.put(
          "kept", all.stream().filter(RetentionDecision::keep).map(d -> d.version().id()).toList());
      h.put(
          "removed",
          all.stream()
              .filter(d -> !d.keep() && !e.getValue().skipped(d))
              .map(d -> d.version().id())
              .toList());
      h.put("busy", e.getValue().busy());
      retention.add(h);
    }
    m.put("retention", retention);
    return m;
  }

  private static Map<String, Object> toJson(Transfer t) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("host", t.host());
    e.put("id", t.id().value());
    e.put("parent", t.parent().map(p -> (Object) p.value()).orElse(null));
    return e;
  }
}
