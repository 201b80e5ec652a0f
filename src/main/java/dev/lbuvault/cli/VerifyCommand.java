package dev.lbuvault.cli;

import dev.lbuvault.archive.ApkovlValidator;
import dev.lbuvault.crypto.Password;
import dev.lbuvault.export.ExportCheck;
import dev.lbuvault.json.Json;
import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.repo.DamageRecord;
import dev.lbuvault.repo.ReadLock;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.text.ByteSizes;
import dev.lbuvault.verify.ApkovlContentCheck;
import dev.lbuvault.verify.DamageRecorder;
import dev.lbuvault.verify.NextStep;
import dev.lbuvault.verify.Problem;
import dev.lbuvault.verify.Verifier;
import dev.lbuvault.verify.VerifyReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code lbuvault verify}: re-reads versions and reports every damaged, missing or extra file. */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description = {
      "Re-read every file of one or all versions against SHA256SUMS.",
      "Reports each corrupt, missing or extra file; exit 4 if any."
    })
final class VerifyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  // Not the RepoOptions mixin: --repo is required there, and verify --export needs no repository.
  @Option(
      names = "--repo",
      paramLabel = "DIR",
      defaultValue = "${env:LBUVAULT_REPO}",
      description = "Repository directory (default: $LBUVAULT_REPO).")
  Path repoDir;

  @Option(
      names = "--host",
      paramLabel = "NAME",
      converter = OptionConverters.Host.class,
      description = "Host whose versions to use (default: the only host in the repository).")
  String host;

  @Mixin PasswordOption passwordOption;

  @Parameters(paramLabel = "ID", arity = "0..1", description = "Version to verify (default: all).")
  String id;

  @Option(
      names = "--threads",
      paramLabel = "N",
      converter = OptionConverters.Positive.class,
      description = "Files hashed at once (default: the number of CPUs, at most 4).")
  Integer threads;

  @Option(
      names = "--export",
      paramLabel = "DIR",
      description = {
        "Instead: check an export directory's files against its SHA256SUMS (no key needed);",
        "exit 4 naming each file missing, changed, truncated or swapped."
      })
  Path export;

  @Option(
      names = "--json",
      description = {
        "Print the result as JSON (versions, files, bytes, problems, heal, next) instead;",
        "the exit status is the same."
      })
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (export != null) {
      return verifyExport();
    }
    Optional<Password> password = passwordOption.read();
    if (repoDir == null) {
      throw new CommandFailure(
          ExitCodes.USAGE, "Missing required option: '--repo=DIR' (or --export DIR)");
    }
    Repository repo = Repository.open(repoDir, ProcessRunner.system());
    PrintWriter out = spec.commandLine().getOut();
    if (host == null && repo.hosts().isEmpty()) {
      if (json) {
        return printJson(out, new VerifyReport(List.of()), DamageRecord.empty(), List.of());
      }
      out.println("repository " + repo.root() + " holds no versions yet: nothing to verify");
      return ExitCodes.OK;
    }
    String host = repo.resolveHost(Optional.ofNullable(this.host));
    if (id == null && repo.versions(host).isEmpty()) {
      if (json) {
        return printJson(out, new VerifyReport(List.of()), DamageRecord.empty(), List.of());
      }
      out.println("host " + host + " has no versions yet: nothing to verify");
      return ExitCodes.OK;
    }
    List<StoredVersion> versions =
        id == null ? repo.versions(host) : List.of(repo.version(host, id));
    int n = threads != null ? threads : Math.min(4, Runtime.getRuntime().availableProcessors());
    long started = System.nanoTime();
    VerifyReport report;
    List<ApkovlContentCheck.Finding> apkovls;
    // Shared locks keep prune from deleting what is being read; a version it removed between the
    // listing and the lock is left out by the verifier (a single named one is an error).
    try (ReadLock ignored =
        id == null
            ? ReadLock.shared(repo, host, versions)
            : ReadLock.sharedExisting(repo, versions.get(0))) {
      report = new Verifier(n).verify(versions);
      apkovls = password.isPresent() ? openEncryptedApkovls(versions, password) : List.of();
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    boolean apkovlDamaged = apkovls.stream().anyMatch(ApkovlContentCheck.Finding::damaged);
    if (json) {
      int code = printJson(out, report, recordDamage(repo, host, report), apkovls);
      return apkovlDamaged ? ExitCodes.DAMAGED : code;
    }
    apkovls.forEach(f -> out.println(f.line()));
    for (Problem p : report.problems()) {
      out.println(p.describe());
    }
    DamageRecord record = recordDamage(repo, host, report);
    int checked = report.versions().size();
    out.printf(
        "verified %d version%s of host %s: %d files, %s in %.1f s: %s%n",
        checked,
        checked == 1 ? "" : "s",
        host,
        report.files(),
        ByteSizes.human(report.bytes()),
        seconds,
        report.clean() ? "OK" : report.problems().size() + " problem(s)");
    NextStep.after(report, record).ifPresent(out::println);
    return report.clean() && !apkovlDamaged ? ExitCodes.OK : ExitCodes.DAMAGED;
  }

  /**
   * The result for the daemon, which runs verify in a child JVM: the counts, one line per problem
   * (each starting with its version id; a damaged encrypted apkovl is one too), whether damage was
   * recorded for healing, the next step, and with a password what opening each encrypted apkovl
   * found. Stdout holds this one document and nothing else.
   */
  private static int printJson(
      PrintWriter out,
      VerifyReport report,
      DamageRecord record,
      List<ApkovlContentCheck.Finding> apkovls) {
    List<String> problems = new ArrayList<>();
    report.problems().forEach(p -> problems.add(p.describe()));
    apkovls.stream()
        .filter(ApkovlContentCheck.Finding::damaged)
        .forEach(f -> problems.add(f.line()));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("versions", report.versions().size());
    m.put("files", report.files());
    m.put("bytes", report.bytes());
    m.put("problems", problems);
    m.put("apkovls", apkovls.stream().map(ApkovlContentCheck.Finding::line).toList());
    m.put("heal", !record.heal().isEmpty());
    NextStep.after(report, record).ifPresent(step -> m.put("next", step));
    out.print(Json.write(m));
    return report.clean() ? ExitCodes.OK : ExitCodes.DAMAGED;
  }

  private int verifyExport() throws java.io.IOException {
    long started = System.nanoTime();
    ExportCheck.Result r = ExportCheck.check(export);
    PrintWriter out = spec.commandLine().getOut();
    int code = r.problems().isEmpty() ? ExitCodes.OK : ExitCodes.DAMAGED;
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("export", export.toAbsolutePath().normalize().toString());
      m.put("files", r.files());
      m.put("problems", r.problems());
      m.put("notes", r.notes());
      out.print(Json.write(m));
      return code;
    }
    r.problems().forEach(out::println);
    r.notes().forEach(n -> out.println("note: " + n));
    out.printf(
        "verified export %s: %d file(s) in %.1f s: %s%n",
        export.toAbsolutePath().normalize(),
        r.files(),
        (System.nanoTime() - started) / 1e9,
        r.problems().isEmpty() ? "OK" : r.problems().size() + " problem(s)");
    return code;
  }

  /** Decrypts and validates each version's encrypted apkovl: what opening each one found. */
  private static List<ApkovlContentCheck.Finding> openEncryptedApkovls(
      List<StoredVersion> versions, Optional<Password> password) throws java.io.IOException {
    ApkovlContentCheck check = new ApkovlContentCheck(new ApkovlValidator(password));
    List<ApkovlContentCheck.Finding> found = new ArrayList<>();
    for (StoredVersion v : versions) {
      check.check(v).ifPresent(found::add);
    }
    return found;
  }

  /**
   * Findings come first: a repository verify cannot write (mounted read-only, a damaged {@code
   * damage.json}) must still be verified and reported, only without the heal for the next backup.
   */
  private DamageRecord recordDamage(Repository repo, String host, VerifyReport report) {
    try {
      return DamageRecorder.record(repo, host, report);
    } catch (java.io.IOException e) {
      spec.commandLine()
          .getErr()
          .println(
              "warning: damage not recorded, so the next backup will not re-read damaged files: "
                  + dev.lbuvault.text.OneLine.escape(e.getMessage()));
      return DamageRecord.empty();
    }
  }
}
