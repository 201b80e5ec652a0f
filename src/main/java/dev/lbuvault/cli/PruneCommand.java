package dev.lbuvault.cli;

import dev.lbuvault.config.DurationOption;
import dev.lbuvault.json.Json;
import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.prune.PruneOutcome;
import dev.lbuvault.prune.PruneService;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.retention.RetentionDecision;
import dev.lbuvault.retention.RetentionPlanner;
import dev.lbuvault.retention.RetentionPolicy;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lbuvault prune}: removes versions no retention rule keeps (restic's semantics). */
@Command(
    name = "prune",
    mixinStandardHelpOptions = true,
    description = {
      "Remove versions that no --keep rule keeps (restic semantics; see docs/retention.md).",
      "The newest version is never removed; with no rule nothing is removed."
    })
final class PruneCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin RepoOptions repoOptions;
  @Mixin KeepOptions keepOptions;

  @Option(
      names = "--dry-run",
      description = "Print what would be kept and removed; remove nothing.")
  boolean dryRun;

  @Option(
      names = "--lock-wait",
      paramLabel = "DURATION",
      defaultValue = "0s",
      description = "Wait this long for another writer to finish.")
  String lockWait;

  @Option(
      names = "--json",
      description = "Print the result as JSON (host, versions, removed, busy) instead.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    RetentionPolicy policy = keepOptions.policy(spec);
    Duration wait = OptionValues.convert(spec, "--lock-wait", () -> DurationOption.parse(lockWait));
    Repository repo = Repository.open(repoOptions.repo, ProcessRunner.system());
    String host = repo.resolveHost(repoOptions.host());
    PruneService service =
        new PruneService(repo, Clock.systemUTC(), new RetentionPlanner(ZoneId.systemDefault()));
    PruneOutcome outcome = service.prune(host, policy, dryRun, wait);
    List<RetentionDecision> decisions = outcome.decisions();
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("host", host);
      m.put("dryRun", dryRun);
      m.put("versions", decisions.size());
      m.put("removed", outcome.removed());
      m.put("busy", outcome.busy());
      out.print(Json.write(m));
      return ExitCodes.OK;
    }
    for (RetentionDecision d : decisions) {
      String verb = d.keep() ? "keep  " : (dryRun ? "would remove" : "removed");
      String note = d.keep() ? "  (" + String.join(", ", d.reasons()) + ")" : "";
      if (outcome.skipped(d)) {
        verb = "skipped";
        note = "  (being read by another lbuvault: recover, verify or show; prune again later)";
      }
      out.printf("%-12s %s%s%n", verb, d.version().id(), note);
    }
    out.printf(
        "%s %d of %d versions of host %s%s%s%n",
        dryRun ? "would remove" : "removed",
        outcome.removed(),
        decisions.size(),
        host,
        outcome.busy().isEmpty()
            ? ""
            : "; skipped "
                + outcome.busy().size()
                + " being read (wait for them with --lock-wait DURATION)",
        policy.isEmpty() ? " (no --keep rule given: nothing is removed)" : "");
    return ExitCodes.OK;
  }
}
