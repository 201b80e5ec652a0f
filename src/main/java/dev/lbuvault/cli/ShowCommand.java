package dev.lbuvault.cli;

import dev.lbuvault.archive.ApkovlValidator;
import dev.lbuvault.crypto.Password;
import dev.lbuvault.json.Json;
import dev.lbuvault.json.JsonObject;
import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.repo.ApkovlRecord;
import dev.lbuvault.repo.BootRecord;
import dev.lbuvault.repo.ChecksumManifest;
import dev.lbuvault.repo.ManifestEntry;
import dev.lbuvault.repo.ReadLock;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.repo.VersionMetadata;
import dev.lbuvault.text.ByteSizes;
import dev.lbuvault.verify.ApkovlContentCheck;
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
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code lbuvault show}: a version's metadata and its files with sizes and checksums. */
@Command(
    name = "show",
    mixinStandardHelpOptions = true,
    description = "Show one version: metadata, then each file with size and SHA-256.")
final class ShowCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin RepoOptions repoOptions;
  @Mixin PasswordOption passwordOption;

  @Parameters(
      paramLabel = "ID|latest",
      defaultValue = "latest",
      description = "Version to show (default: latest).")
  String id;

  @Option(names = "--json", description = "Print the version as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    Optional<Password> password = passwordOption.read();
    Repository repo = Repository.open(repoOptions.repo, ProcessRunner.system());
    String host = repo.resolveHost(repoOptions.host());
    StoredVersion v = repo.version(host, id);
    try (ReadLock ignored = ReadLock.sharedExisting(repo, v)) {
      int code = print(v);
      return password.isPresent() ? openApkovl(v, password) : code;
    }
  }

  private int print(StoredVersion v) throws Exception {
    VersionMetadata m = VersionMetadata.read(v.metadata());
    ChecksumManifest sums = ChecksumManifest.read(v.sums());
    PrintWriter out = spec.commandLine().getOut();
    List<Object> files = new ArrayList<>();
    if (json) {
      for (ManifestEntry e : sums.entries()) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("path", e.path());
        f.put("sizeBytes", size(v.dir().resolve(e.path())));
        f.put("sha256", e.sha256());
        files.add(f);
      }
      Map<String, Object> doc = new LinkedHashMap<>(JsonObject.parse(m.toJson()).fields());
      doc.put("path", v.dir().toString());
      doc.put("files", files);
      out.print(Json.write(doc));
      return ExitCodes.OK;
    }
    out.printf("version   %s%n", m.id());
    out.printf("host      %s%n", m.host());
    out.printf("time      %s%n", m.time());
    out.printf("source    %s%n", m.source());
    out.printf("path      %s%n", v.dir());
    out.printf("files     %d, %s%n", m.fileCount(), ByteSizes.human(m.totalBytes()));
    if (m.apkovl() != null) {
      out.printf(
          "apkovl    %s, %s, %s, sha256 %s%n",
          m.apkovl().name(),
          ByteSizes.human(m.apkovl().sizeBytes()),
          m.apkovl().encrypted() ? encryption(m.apkovl()) : m.apkovl().entries() + " entries",
          m.apkovl().sha256());
    } else {
      out.println("apkovl    none");
    }
    out.printf(
        "card      %s%n",
        m.card() == null
            ? "volume id unknown (block device not readable at backup time)"
            : "volume id "
                + m.card().volumeId()
                + ", label "
                + m.card().label()
                + " ("
                + m.card().device()
                + ")");
    printBoot(out, m.boot());
    out.printf("tool      lbuvault %s%n", m.toolVersion());
    for (String w : m.warnings()) {
      out.printf("warning   %s%n", w);
    }
    out.println();
    for (ManifestEntry e : sums.entries()) {
      out.printf("%s  %12d  %s%n", e.sha256(), size(v.dir().resolve(e.path())), e.path());
    }
    return ExitCodes.OK;
  }

  /** Boot readiness: the verdict, then each reason and note on its own line. */
  private static void printBoot(PrintWriter out, BootRecord boot) {
    if (boot == null) {
      out.println("boot      unknown (stored before lbuvault checked boot readiness)");
      return;
    }
    out.printf("boot      %s%n", boot.ready() ? "ready" : "NOT READY");
    for (String r : boot.reasons()) {
      out.printf("          not ready: %s%n", r);
    }
    for (String n : boot.notes()) {
      out.printf("          note: %s%n", n);
    }
  }

  /** What the version recorded about an encrypted apkovl; never the key or password. */
  private static String encryption(ApkovlRecord a) {
    if (a.keyDerivation() != null) {
      return "encrypted ("
          + a.cipher()
          + ", key "
          + a.keyDerivation()
          + ", "
          + a.entries()
          + " entries)";
    }
    if (a.notVerified() != null) {
      return "encrypted (" + a.cipher() + ", not verified: " + a.notVerified() + ")";
    }
    return "encrypted (" + a.cipher() + ")";
  }

  /**
   * With {@code --password-file}: decrypts and validates the stored encrypted apkovl now, on one
   * line after the listing (exit 4 if it is damaged).
   */
  private int openApkovl(StoredVersion v, Optional<Password> password) throws Exception {
    Optional<ApkovlContentCheck.Finding> f =
        new ApkovlContentCheck(new ApkovlValidator(password)).check(v);
    if (f.isPresent() && !json) {
      spec.commandLine().getOut().println(f.get().line());
    } else if (f.isPresent()) {
      spec.commandLine().getErr().println(f.get().line());
    }
    return f.isPresent() && f.get().damaged() ? ExitCodes.DAMAGED : ExitCodes.OK;
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (java.io.IOException e) {
      return -1;
    }
  }
}
