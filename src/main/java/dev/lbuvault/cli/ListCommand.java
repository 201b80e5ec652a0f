package dev.lbuvault.cli;

import dev.lbuvault.boot.BootReadiness;
import dev.lbuvault.json.Json;
import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.repo.BootRecord;
import dev.lbuvault.repo.DamageRecord;
import dev.lbuvault.repo.DamageStore;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.repo.VersionMetadata;
import dev.lbuvault.text.ByteSizes;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lbuvault list}: one line per version, oldest first. */
@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    description =
        "List a host's versions: id, time, size, apkovl checksum, boot readiness, warnings.")
final class ListCommand implements Callable<Integer> {
  private static final java.time.format.DateTimeFormatter TIME =
      java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss")
          .withZone(java.time.ZoneOffset.UTC);

  @Spec CommandSpec spec;
  @Mixin RepoOptions repoOptions;

  @Option(names = "--json", description = "Print the versions as a JSON array.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    Repository repo = Repository.open(repoOptions.repo, ProcessRunner.system());
    PrintWriter out = spec.commandLine().getOut();
    if (repoOptions.host().isEmpty() && repo.hosts().isEmpty()) {
      if (json) {
        out.print(Json.write(List.of()));
      } else {
        out.println("repository " + repo.root() + " holds no versions yet; run lbuvault backup");
      }
      return ExitCodes.OK;
    }
    String host = repo.resolveHost(repoOptions.host());
    DamageRecord damaged = new DamageStore(repo.host(host)).read();
    List<Object> rows = new ArrayList<>();
    if (!json) {
      out.printf(
          "%-20s  %-20s  %10s  %-12s  %-9s  %s%n",
          "ID", "TIME (UTC)", "SIZE", "APKOVL", "BOOT", "WARNINGS");
    }
    for (StoredVersion v : repo.versions(host)) {
      VersionMetadata m = null;
      String damage = null;
      try {
        m = VersionMetadata.read(v.metadata());
      } catch (IOException e) {
        damage = "version.json unreadable: run lbuvault verify";
      }
      if (json) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("id", v.id().value());
        row.put("host", host);
        row.put("time", m == null ? null : m.time().toString());
        row.put("files", m == null ? null : m.fileCount());
        row.put("totalBytes", m == null ? null : m.totalBytes());
        row.put("apkovlSha256", m == null || m.apkovl() == null ? null : m.apkovl().sha256());
        row.put(
            "apkovlNotVerified", m == null || m.apkovl() == null ? null : m.apkovl().notVerified());
        row.put("warnings", m == null ? List.of(damage) : m.warnings());
        row.put("damaged", damaged.isDamaged(v.id()));
        BootRecord boot = m == null ? null : m.boot();
        row.put("bootReady", boot == null ? null : boot.ready());
        row.put("bootReasons", boot == null ? List.of() : boot.reasons());
        row.put("bootNotes", boot == null ? List.of() : boot.notes());
        row.put("recordedId", m == null || m.id().equals(v.id()) ? null : m.id().value());
        rows.add(row);
      } else if (m == null) {
        out.printf("%-20s  %s%n", v.id(), damage);
      } else {
        List<String> notes = new ArrayList<>();
        if (damaged.isDamaged(v.id())) {
          int n = damaged.damaged().get(v.id().value()).size();
          notes.add("DAMAGED (" + n + " damaged path" + (n == 1 ? "" : "s") + ": lbuvault verify)");
        }
        if (!m.id().equals(v.id())) {
          notes.add(
              "RENAMED: version.json says "
                  + m.id()
                  + "; rename the directory back (latest refuses it meanwhile)");
        }
        notes.addAll(m.warnings());
        out.printf(
            "%-20s  %-20s  %10s  %-12s  %-9s  %s%n",
            v.id(),
            TIME.format(m.time()),
            ByteSizes.human(m.totalBytes()),
            m.apkovl() == null ? "-" : m.apkovl().sha256().substring(0, 12),
            bootColumn(m.boot()),
            String.join("; ", notes));
      }
    }
    if (!json && repo.versions(host).isEmpty()) {
      out.println("host " + host + " has no versions yet; run lbuvault backup");
    }
    if (json) {
      out.print(Json.write(rows));
    }
    return ExitCodes.OK;
  }

  /**
   * The BOOT column: {@code ready}, {@code password} (ready, but the password must be typed at the
   * console), {@code NOT READY} (lbuvault show names why) or {@code unknown} (stored before
   * lbuvault checked).
   */
  static String bootColumn(BootRecord boot) {
    if (boot == null) {
      return "unknown";
    }
    if (!boot.ready()) {
      return "NOT READY";
    }
    return boot.notes().stream().anyMatch(n -> n.startsWith(BootReadiness.PASSWORD_NOTE))
        ? "password"
        : "ready";
  }
}
