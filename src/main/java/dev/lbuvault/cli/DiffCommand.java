package dev.lbuvault.cli;

import dev.lbuvault.diff.CardChange;
import dev.lbuvault.diff.ContentChange;
import dev.lbuvault.diff.MemberChange;
import dev.lbuvault.diff.VersionDiff;
import dev.lbuvault.diff.VersionDiffer;
import dev.lbuvault.json.Json;
import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.repo.ReadLock;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.text.OneLine;
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
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code lbuvault diff}: what changed between two versions, on the card and inside the apkovl. Its
 * exit status follows {@code diff}'s convention rather than the table's, so scripts can branch on
 * "changed": 0 same, 1 different, 2 trouble (usage or failure; the message says which).
 */
@Command(
    name = "diff",
    mixinStandardHelpOptions = true,
    description = {
      "Compare two versions: card files added, removed and changed, and inside the apkovls the"
          + " members added, removed and changed (mode, owner, link target, a unified diff of"
          + " text). Secrets (shadow files, keys, private files) are named, not shown.",
      "With no ID: the two newest versions; with one: that version against the newest."
    },
    footer = {"", "Exit codes: 0 no difference, 1 differences, 2 trouble (as diff(1))."})
final class DiffCommand implements Callable<Integer> {
  static final int DIFFERENT = 1;
  static final int TROUBLE = DiffStyleExit.TROUBLE;
  private static final int SHORT_SHA = 12;

  @Spec CommandSpec spec;
  @Mixin RepoOptions repoOptions;
  @Mixin PasswordOption passwordOption;

  @Parameters(
      arity = "0..2",
      paramLabel = "ID",
      description = "Older and newer version ids or 'latest' (default: the two newest).")
  List<String> ids = new ArrayList<>();

  @Option(names = "--stat", description = "Name what changed, without contents.")
  boolean stat;

  @Option(names = "--show-secrets", description = "Also show the contents of secret members.")
  boolean showSecrets;

  @Option(names = "--json", description = "Print the differences as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    VersionDiff diff = DiffStyleExit.troubleIsTwo(this::compute);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.print(Json.write(toJson(diff)));
    } else {
      printText(out, diff);
    }
    return diff.hasDifferences() ? DIFFERENT : ExitCodes.OK;
  }

  private VersionDiff compute() throws Exception {
    Repository repo = Repository.open(repoOptions.repo, ProcessRunner.system());
    String host = repo.resolveHost(repoOptions.host());
    List<StoredVersion> all = repo.versions(host);
    StoredVersion older;
    StoredVersion newer;
    if (ids.isEmpty()) {
      if (all.size() < 2) {
        throw new CommandFailure(
            TROUBLE,
            "host "
                + host
                + " has "
                + all.size()
                + " version(s) in "
                + repo.root()
                + ": diff needs two (see lbuvault list)");
      }
      older = all.get(all.size() - 2);
      newer = all.get(all.size() - 1);
    } else if (ids.size() == 1) {
      older = repo.version(host, ids.get(0));
      newer = repo.version(host, "latest");
    } else {
      older = repo.version(host, ids.get(0));
      newer = repo.version(host, ids.get(1));
    }
    // Shared locks keep prune from deleting either version while it is read.
    try (ReadLock a = ReadLock.sharedExisting(repo, older);
        ReadLock b = ReadLock.sharedExisting(repo, newer)) {
      return new VersionDiffer(showSecrets, passwordOption.read()).diff(older, newer);
    }
  }

  private void printText(PrintWriter out, VersionDiff diff) {
    out.printf("diff of host %s: %s -> %s%n", diff.host(), diff.oldId(), diff.newId());
    if (!diff.hasDifferences()) {
      out.println("no differences");
      return;
    }
    out.printf("card: %d file(s) differ%n", diff.card().size());
    for (CardChange c : diff.card()) {
      out.printf("  %s %s%s%n", c.kind().letter(), OneLine.escape(c.path()), cardDetail(c));
    }
    if (!diff.apkovl().note().isEmpty()) {
      out.printf("apkovl: %s%n", diff.apkovl().note());
      return;
    }
    out.printf(
        "apkovl %s: %d member(s) differ%n",
        diff.apkovl().newName(), diff.apkovl().changes().size());
    for (MemberChange m : diff.apkovl().changes()) {
      printMember(out, m);
    }
  }

  private static String cardDetail(CardChange c) {
    return switch (c.kind()) {
      case ADDED -> "  " + c.newSizeBytes() + " bytes, sha256 " + prefix(c.newSha256());
      case REMOVED -> "  was " + c.oldSizeBytes() + " bytes, sha256 " + prefix(c.oldSha256());
      case CHANGED ->
          "  "
              + c.oldSizeBytes()
              + " -> "
              + c.newSizeBytes()
              + " bytes, sha256 "
              + prefix(c.oldSha256())
              + " -> "
              + prefix(c.newSha256());
    };
  }

  private static String prefix(String sha) {
    return sha.substring(0, Math.min(SHORT_SHA, sha.length()));
  }

  private void printMember(PrintWriter out, MemberChange m) {
    List<String> notes = new ArrayList<>(m.attributeChanges());
    ContentChange c = m.content();
    switch (c.kind()) {
      case SECRET -> notes.add("secret: content not shown (--show-secrets shows it)");
      case BINARY ->
          notes.add("binary, " + sizeText(c.oldSizeBytes()) + " -> " + sizeText(c.newSizeBytes()));
      case TOO_LARGE ->
          notes.add(
              "text too large or too different to show, "
                  + sizeText(c.oldSizeBytes())
                  + " -> "
                  + sizeText(c.newSizeBytes()));
      default -> {}
    }
    out.printf(
        "  %s %s%s%n",
        m.kind().letter(),
        OneLine.escape(m.name()),
        notes.isEmpty() ? "" : ": " + String.join(", ", notes));
    if (!stat && c.kind() == ContentChange.Kind.TEXT) {
      for (String line : c.unifiedLines()) {
        out.println(line);
      }
    }
  }

  private static String sizeText(long bytes) {
    return bytes < 0 ? "none" : bytes + " bytes";
  }

  private Map<String, Object> toJson(VersionDiff diff) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("host", diff.host());
    doc.put("old", diff.oldId());
    doc.put("new", diff.newId());
    doc.put("different", diff.hasDifferences());
    List<Object> card = new ArrayList<>();
    for (CardChange c : diff.card()) {
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("path", c.path());
      f.put("change", c.kind().name().toLowerCase(java.util.Locale.ROOT));
      f.put("oldSizeBytes", c.oldSizeBytes());
      f.put("newSizeBytes", c.newSizeBytes());
      f.put("oldSha256", c.oldSha256());
      f.put("newSha256", c.newSha256());
      card.add(f);
    }
    doc.put("card", card);
    Map<String, Object> apkovl = new LinkedHashMap<>();
    apkovl.put("old", diff.apkovl().oldName());
    apkovl.put("new", diff.apkovl().newName());
    apkovl.put("note", diff.apkovl().note());
    List<Object> members = new ArrayList<>();
    for (MemberChange m : diff.apkovl().changes()) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("name", m.name());
      e.put("change", m.kind().name().toLowerCase(java.util.Locale.ROOT));
      e.put("attributes", new ArrayList<Object>(m.attributeChanges()));
      e.put("content", m.content().kind().name().toLowerCase(java.util.Locale.ROOT));
      e.put("oldSizeBytes", m.content().oldSizeBytes());
      e.put("newSizeBytes", m.content().newSizeBytes());
      if (!stat) {
        e.put("unifiedDiff", new ArrayList<Object>(m.content().unifiedLines()));
      }
      members.add(e);
    }
    apkovl.put("members", members);
    doc.put("apkovl", apkovl);
    return doc;
  }
}
