package dev.lbuvault.backup;

import dev.lbuvault.archive.ApkovlName;
import dev.lbuvault.repo.HostNames;
import dev.lbuvault.source.CardFile;
import dev.lbuvault.source.CardReader;
import dev.lbuvault.source.CardScan;
import dev.lbuvault.source.SourceBusyException;
import dev.lbuvault.source.SourceException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The first step of a backup, before the repository is touched: scan the card, make sure lbu is not
 * writing it, decide which host it belongs to and which apkovl is that host's, and collect the
 * warnings the version will carry.
 */
final class CardSurvey {
  private static final String NEW_SUFFIX = ".new";
  private static final String FILE_NAME_ENCODING = System.getProperty("sun.jnu.encoding", "UTF-8");

  /** What the survey found: the scan, the host, the card's apkovls, the host's one, warnings. */
  record Survey(
      CardScan scan, String host, List<String> apkovls, String primary, List<String> warnings) {
    Survey {
      apkovls = List.copyOf(apkovls);
      warnings = List.copyOf(warnings);
    }

    /** This survey with {@code more} warnings after its own. */
    Survey withWarnings(List<String> more) {
      List<String> all = new ArrayList<>(warnings);
      all.addAll(more);
      return new Survey(scan, host, apkovls, primary, all);
    }
  }

  Survey survey(CardReader source, Optional<String> requestedHost) throws SourceException {
    CardScan scan = scanQuiet(source);
    if (scan.files().isEmpty()) {
      // An unmounted card leaves an empty mount point: storing it would be an empty "version"
      // that retention could later keep instead of the real ones.
      throw new SourceException(
          "source "
              + source.location()
              + " holds no files: is the card mounted? Nothing was stored (check --source)");
    }
    List<String> warnings = new ArrayList<>();
    List<String> apkovls = bootCandidates(scan);
    String host = chooseHost(source.location(), requestedHost, scan);
    String primary = primaryApkovl(host, scan, warnings);
    if (apkovls.size() > 1) {
      warnings.add(
          apkovls.size()
              + " apkovls on the card ("
              + String.join(", ", apkovls)
              + "): the initramfs boots whichever *.apkovl.tar.gz* it finds first and lbu commit"
              + " refuses to run; remove all but one");
    }
    for (String skipped : scan.skipped()) {
      warnings.add("not a regular file, not captured: " + skipped);
    }
    for (String bad : scan.badNames()) {
      warnings.add(
          "name is not valid "
              + FILE_NAME_ENCODING
              + ", not captured: "
              + bad
              + (FILE_NAME_ENCODING.equals("UTF-8")
                  ? " (rename it on the card, e.g. mount the card with iocharset=utf8)"
                  : " (run lbuvault through its launcher, which sets a UTF-8 locale)"));
    }
    for (CardFile f : scan.files()) {
      if (f.name().endsWith(NEW_SUFFIX)) {
        warnings.add(
            "stored "
                + f.path()
                + ", though a *.new file is usually an unfinished copy: check it and remove it"
                + " from the card if it is one");
      }
    }
    return new Survey(scan, host, apkovls, primary, warnings);
  }

  /** Scans the card and fails as busy if lbu is writing it. */
  CardScan scanQuiet(CardReader source) throws SourceException {
    CardScan scan = source.scan();
    requireQuiet(scan);
    return scan;
  }

  /** Only lbu's own in-progress copy, {@code <apkovl>.new} at the root, means lbu is writing. */
  private static void requireQuiet(CardScan scan) throws SourceBusyException {
    for (CardFile f : scan.files()) {
      if (f.atRoot() && ApkovlName.isInProgress(f.name())) {
        throw new SourceBusyException(f.path() + " exists");
      }
    }
  }

  /** Every root file the initramfs would take for an apkovl. */
  private static List<String> bootCandidates(CardScan scan) {
    List<String> names = new ArrayList<>();
    for (CardFile f : scan.files()) {
      if (f.atRoot() && ApkovlName.matchesBootGlob(f.name())) {
        names.add(f.name());
      }
    }
    return names;
  }

  private static String chooseHost(String source, Optional<String> requested, CardScan scan)
      throws SourceException {
    if (requested.isPresent()) {
      return requested.get();
    }
    Map<String, String> fileByHost = new TreeMap<>();
    for (CardFile f : scan.files()) {
      if (f.atRoot()) {
        ApkovlName.hostOf(f.name()).ifPresent(h -> fileByHost.putIfAbsent(h, f.name()));
      }
    }
    if (fileByHost.size() == 1) {
      Map.Entry<String, String> only = fileByHost.entrySet().iterator().next();
      if (!HostNames.isValid(only.getKey())) {
        // Not a command-line mistake: the name came from the card, so say where and what to do.
        throw new SourceException(
            "the host name \""
                + only.getKey()
                + "\" taken from the card file "
                + only.getValue()
                + " is not a valid host name: give the host with --host");
      }
      return only.getKey();
    }
    if (fileByHost.isEmpty()) {
      throw new SourceException(
          "no *.apkovl.tar.gz at the root of "
              + source
              + ": is this the card lbu writes to? Check --source, or name the host with --host to"
              + " back it up anyway");
    }
    throw new SourceException(
        "apkovls of several hosts on "
            + source
            + " ("
            + String.join(", ", fileByHost.keySet())
            + "): choose one with --host");
  }

  /** The host's apkovl: {@code <host>.apkovl.tar.gz} if present, else its encrypted form. */
  private static String primaryApkovl(String host, CardScan scan, List<String> warnings) {
    String found = null;
    for (CardFile f : scan.files()) {
      if (f.atRoot() && ApkovlName.hostOf(f.name()).orElse("").equals(host)) {
        if (f.name().equals(host + ".apkovl.tar.gz")) {
          return f.name();
        }
        found = found == null ? f.name() : found;
      }
    }
    if (found == null) {
      warnings.add("no apkovl for host " + host + " on the card");
    }
    return found;
  }
}
