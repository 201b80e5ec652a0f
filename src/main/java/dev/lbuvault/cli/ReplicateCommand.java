package dev.lbuvault.cli;

import dev.lbuvault.config.DurationOption;
import dev.lbuvault.json.Json;
import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.replicate.ReplicationReport;
import dev.lbuvault.replicate.Replicator;
import dev.lbuvault.replicate.Transfer;
import dev.lbuvault.repo.Repository;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
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
      "repository in its own right (list, verify, recover).",
      "Exit 0 when every version is there, 1 when one could not be sent."
    })
final class ReplicateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin RepoOptions repoOptions;

  @Option(
      names = "--to",
      paramLabel = "DIR",
      required = true,
      description = "Target repository (created when missing or empty).")
  Path to;

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

  @Override
  public Integer call() throws Exception {
    Duration wait = OptionValues.convert(spec, "--lock-wait", () -> DurationOption.parse(lockWait));
    ProcessRunner runner = ProcessRunner.system();
    Repository source = Repository.open(repoOptions.repo, runner);
    Repository target = openOrCreate(source, runner);
    List<String> hosts =
        repoOptions.host().isPresent()
            ? List.of(source.resolveHost(repoOptions.host()))
            : List.of();
    ReplicationReport report =
        new Replicator(source, target, runner, Clock.systemUTC()).replicate(hosts, wait, dryRun);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(Json.write(toJson(report, target)));
    } else {
      for (Transfer t : report.sent()) {
        out.printf("%s %s %s (%s)%n", dryRun ? "would send" : "sent", t.host(), t.id(), t.kind());
      }
      for (String f : report.failures()) {
        spec.commandLine().getErr().println("lbuvault: " + f);
      }
      out.printf(
          "%s %d version(s) to %s; %d already there%s%n",
          dryRun ? "would replicate" : "replicated",
          report.sent().size(),
          target.root(),
          report.alreadyThere(),
          report.ok() ? "" : "; " + report.failures().size() + " failed (see above)");
    }
    return report.ok() ? ExitCodes.OK : ExitCodes.FAILURE;
  }

  private Repository openOrCreate(Repository source, ProcessRunner runner) throws Exception {
    if (Files.exists(to.resolve(Repository.MARKER_FILE)) || dryRun) {
      return Repository.open(to, runner);
    }
    return Repository.init(to, targetBackend(source), Clock.systemUTC(), runner);
  }

  /**
   * btrfs only when both the source and the target's filesystem are btrfs (then versions go with
   * send | receive); plain otherwise, and versions are copied as hard-linked trees.
   */
  private String targetBackend(Repository source) throws IOException {
    boolean btrfs =
        "btrfs".equals(source.backend().name()) && "btrfs".equals(Repository.detectBackend(to));
    return btrfs ? "btrfs" : "plain";
  }

  private static Map<String, Object> toJson(ReplicationReport r, Repository target) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("target", target.root().toString());
    m.put("dryRun", r.dryRun());
    m.put(
        "sent",
        r.sent().stream()
            .map(
                t -> {
                  Map<String, Object> e = new LinkedHashMap<>();
                  e.put("host", t.host());
                  e.put("id", t.id().value());
                  e.put("parent", t.parent().map(p -> (Object) p.value()).orElse(null));
                  return e;
                })
            .toList());
    m.put("alreadyThere", (long) r.alreadyThere());
    m.put("failures", r.failures());
    return m;
  }
}
