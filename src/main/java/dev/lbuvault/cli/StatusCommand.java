package dev.lbuvault.cli;

import dev.lbuvault.crypto.Password;
import dev.lbuvault.crypto.PasswordFile;
import dev.lbuvault.json.Json;
import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.text.OneLine;
import dev.lbuvault.uncommitted.Change;
import dev.lbuvault.uncommitted.UncommittedReport;
import dev.lbuvault.uncommitted.UncommittedService;
import java.io.PrintWriter;
import java.nio.file.Files;
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
import picocli.CommandLine.Spec;

/**
 * {@code lbuvault status}: what {@code lbu commit} would save that no backup holds, printed as
 * {@code lbu status} prints it. Like {@code diff}, its exit status says whether there is anything
 * to report: 0 nothing uncommitted, 1 uncommitted changes, 2 trouble (the message says which).
 */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = {
      "What lbu commit would save that the newest backup does not hold, as lbu status prints it:"
          + " A (added), U (updated), D (deleted), paths relative to the root.",
      "Run it on the Alpine host itself (or give --root for a copy of its root)."
    },
    footer = {"", "Exit codes: 0 nothing uncommitted, 1 uncommitted changes, 2 trouble."})
final class StatusCommand implements Callable<Integer> {
  static final int CHANGES = 1;
  static final int TROUBLE = DiffStyleExit.TROUBLE;

  @Spec CommandSpec spec;
  @Mixin RepoOptions repoOptions;

  @Option(
      names = "--root",
      paramLabel = "DIR",
      defaultValue = "/",
      description = "The host's root directory (default: /).")
  Path root;

  @Option(
      names = "--password-file",
      paramLabel = "FILE",
      description =
          "File whose first line is the password of an encrypted apkovl (mode 0600 or stricter).")
  Path passwordFile;

  @Option(names = "--json", description = "Print the changes as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    UncommittedReport report = DiffStyleExit.troubleIsTwo(this::scan);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.print(Json.write(toJson(report)));
    } else {
      for (Change c : report.changes()) {
        out.println(c.kind().letter() + " " + OneLine.escape(c.path()));
      }
    }
    return report.changes().isEmpty() ? ExitCodes.OK : CHANGES;
  }

  private UncommittedReport scan() throws Exception {
    if (!Files.isDirectory(root)) {
      throw new CommandFailure(TROUBLE, "--root " + root + ": no such directory");
    }
    Repository repo = Repository.open(repoOptions.repo, ProcessRunner.system());
    String host = repo.resolveHost(repoOptions.host());
    Optional<Password> password =
        passwordFile == null ? Optional.empty() : Optional.of(PasswordFile.read(passwordFile));
    return new UncommittedService(repo).scan(host, root, password);
  }

  private static Map<String, Object> toJson(UncommittedReport r) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("host", r.host());
    doc.put("version", r.versionId());
    doc.put("apkovl", r.apkovl());
    doc.put("oldestChange", r.oldestChange().map(Object::toString).orElse(""));
    List<Object> changes = new ArrayList<>();
    for (Change c : r.changes()) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("change", String.valueOf(c.kind().letter()));
      e.put("path", c.path());
      e.put("changedAt", c.changedAt().toString());
      changes.add(e);
    }
    doc.put("changes", changes);
    return doc;
  }
}
