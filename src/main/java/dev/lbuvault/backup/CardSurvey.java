package dev.lbuvault.backup;

import dev.lbuvault.archive.ApkovlName;
import dev.lbuvault.source.CardFile;
import dev.lbuvault.source.CardScan;
import dev.lbuvault.source.CardScanner;
import dev.lbuvault.source.SourceBusyException;
import dev.lbuvault.source.SourceException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The first step of a backup, before the repository is touched: scan the card, make sure lbu is not
 * writing it, decide which host it belongs to and which apkovl is that host's, and collect the
 * warnings the version will carry.
 */
final class CardSurvey {
  private final CardScanner scanner;

  CardSurvey(CardScanner scanner) {
    this.scanner = scanner;
  }

  /** What the survey found: the scan, the host, the card's apkovls, the host's one, warnings. */
  record Survey(
      CardScan scan, String host, List<String> apkovls, String primary, List<String> warnings) {
    Survey {
      apkovls = List.copyOf(apkovls);
      warnings = List.copyOf(warnings);
    }
  }

  Survey survey(Path source, Optional<String> requestedHost) throws SourceException {
    CardScan scan = scanQuiet(source);
    if (scan.files().isEmpty()) {
      // An unmounted card leaves an empty mount point: storing it would be an empty "version"
      // that retention could later keep instead of the real ones.
      throw new SourceException(
          "source "
              + source
              + " holds no files: is the card mounted? Nothing was stored (check --source)");
    }
    List<String> warnings = new ArrayList<>();
    List<String> apkovls = apkovlNames(scan);
    String host = chooseHost(source, requestedHost, apkovls);
    String primary = primaryApkovl(host, apkovls, warnings);
    if (apkovls.size() > 1) {
      warnings.add(
          apkovls.size()
              + " apkovls on the card ("
              + String.join(", ", apkovls)
              + "): the host boots from whichever is found first and lbu commit refuses to run;"
              + " remove all but one");
    }
    for (String skipped : scan.skipped()) {
      warnings.add("not a regular file, not captured: " + skipped);
    }
    return new Survey(scan, host, apkovls, primary, warnings);
  }

  /** Scans the card and fails as busy if lbu is writing it. */
  CardScan scanQuiet(Path source) throws SourceException {
    CardScan scan = scanner.scan(source);
    requireQuiet(scan);
    return scan;
  }

  private static void requireQuiet(CardScan scan) throws SourceBusyException {
    for (String path : scan.inProgress()) {
      String name = path.substring(path.lastIndexOf('/') + 1);
      String finalName = name.substring(0, name.length() - ".new".length());
      if (path.indexOf('/') < 0 && ApkovlName.isApkovl(finalName)) {
        throw new SourceBusyException(path + " exists");
      }
    }
  }

  private static List<String> apkovlNames(CardScan scan) {
    List<String> names = new ArrayList<>();
    for (CardFile f : scan.files()) {
      if (f.atRoot() && ApkovlName.isApkovl(f.name())) {
        names.add(f.name());
      }
    }
    return names;
  }

  private static String chooseHost(Path source, Optional<String> requested, List<String> apkovls)
      throws SourceException {
    if (requested.isPresent()) {
      return requested.get();
    }
    Set<String> hosts = new TreeSet<>();
    for (String name : apkovls) {
      ApkovlName.hostOf(name).ifPresent(hosts::add);
    }
    if (hosts.size() == 1) {
      return hosts.iterator().next();
    }
    if (hosts.isEmpty()) {
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
            + String.join(", ", hosts)
            + "): choose one with --host");
  }

  private static String primaryApkovl(String host, List<String> apkovls, List<String> warnings) {
    for (String name : apkovls) {
      if (ApkovlName.hostOf(name).orElse("").equals(host)) {
        return name;
      }
    }
    warnings.add("no apkovl for host " + host + " on the card");
    return null;
  }
}
