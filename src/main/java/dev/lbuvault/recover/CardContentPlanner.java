package dev.lbuvault.recover;

import dev.lbuvault.archive.ApkovlName;
import dev.lbuvault.archive.ReleaseTarball;
import dev.lbuvault.archive.UnusableReleaseException;
import dev.lbuvault.fs.TreeWalker;
import dev.lbuvault.repo.StoredVersion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Decides which files go on the rebuilt card. A card must have exactly one file at its root that
 * the initramfs takes for an apkovl ({@link ApkovlName#matchesBootGlob}: it boots whichever it
 * lists first), so leftovers such as {@code rpi.apkovl.tar.gz~} or an interrupted {@code
 * rpi.apkovl.tar.gz.new} stay off the card and are named; other {@code *.new} files are the user's
 * and come back. With an Alpine release tarball, boot files come from the release and only the
 * host's own files (apkovl, {@code cache/}, {@code usercfg.txt}) from the version.
 */
public final class CardContentPlanner {
  private static final long CONFIG_TXT_LIMIT = 1 << 20;

  /**
   * Plans the content of a card rebuilt from {@code version}.
   *
   * @param hostApkovl the apkovl the version's metadata names (the host's), if any
   * @param apkovlChoice {@code --apkovl NAME}, if given
   * @throws RecoverRefusedException when the chosen apkovl is not in the version
   */
  public CardContent plan(
      StoredVersion version,
      Optional<String> hostApkovl,
      Optional<String> apkovlChoice,
      Optional<ReleaseTarball> release)
      throws IOException, RecoverRefusedException {
    Map<String, CardItem> fromVersion = listVersion(version.card());
    List<String> candidates = new ArrayList<>();
    for (String path : fromVersion.keySet()) {
      if (path.indexOf('/') < 0 && ApkovlName.matchesBootGlob(path)) {
        candidates.add(path);
      }
    }
    String chosen = chooseApkovl(candidates, hostApkovl, apkovlChoice);
    List<String> leftOut = new ArrayList<>();
    Map<String, CardItem> items = new LinkedHashMap<>();
    for (CardItem item : fromVersion.values()) {
      String p = item.path();
      boolean isCandidate = candidates.contains(p);
      if (isCandidate && !p.equals(chosen)) {
        leftOut.add(p + leftOutReason(p));
      } else if (release.isPresent() && !isCandidate && !fromHost(p)) {
        leftOut.add(p + " (replaced by the Alpine release)");
      } else {
        items.put(p, item);
      }
    }
    String configTxt = null;
    if (release.isPresent()) {
      // FAT ignores case, so a host file shadows a release file whatever the case of its name.
      Set<String> taken = new java.util.HashSet<>();
      for (String p : items.keySet()) {
        taken.add(p.toLowerCase(java.util.Locale.ROOT));
      }
      for (ReleaseTarball.Entry e : releaseEntries(release.get())) {
        boolean bootable = e.path().indexOf('/') < 0 && ApkovlName.matchesBootGlob(e.path());
        if (bootable) {
          leftOut.add(e.path() + " (an apkovl in the Alpine release: only the host's may boot)");
        }
        if (!taken.add(e.path().toLowerCase(java.util.Locale.ROOT)) || bootable) {
          continue;
        }
        items.put(e.path(), new CardItem(e.path(), e.size(), e.mtime(), null));
      }
      configTxt = releaseConfigTxt(release.get(), items);
    } else {
      CardItem config = configItem(items);
      if (config != null && config.size() <= CONFIG_TXT_LIMIT) {
        configTxt = Files.readString(config.versionFile(), StandardCharsets.ISO_8859_1);
      }
    }
    List<String> directories = new ArrayList<>();
    for (String dir : listDirectories(version.card())) {
      if (release.isEmpty() || fromHost(dir + "/")) {
        directories.add(dir);
      }
    }
    return new CardContent(
        new ArrayList<>(items.values()), chosen, leftOut, configTxt, directories);
  }

  /**
   * The release's files; a tarball FAT cannot represent is refused here, at plan time, before
   * anything is written.
   */
  private static List<ReleaseTarball.Entry> releaseEntries(ReleaseTarball release)
      throws IOException, RecoverRefusedException {
    try {
      return release.list();
    } catch (UnusableReleaseException e) {
      throw new RecoverRefusedException(e.getMessage() + "; nothing was written");
    }
  }

  /** Why a root file the initramfs would boot stays off the card. */
  private static String leftOutReason(String name) {
    if (ApkovlName.isInProgress(name)) {
      return " (an interrupted lbu commit)";
    }
    return " (the initramfs boots any *.apkovl.tar.gz* at the card root and only one may be"
        + " there; to boot this one instead, recover with --apkovl "
        + name
        + ")";
  }

  /** The files that are the host's own rather than Alpine's. */
  private static boolean fromHost(String path) {
    return path.startsWith("cache/") || path.equalsIgnoreCase("usercfg.txt");
  }

  /**
   * The one root file the initramfs will boot: the user's choice among every candidate of the boot
   * glob, else the host's apkovl, else the only file named as lbu names apkovls. Leftovers such as
   * {@code rpi.apkovl.tar.gz~} are never chosen unasked.
   */
  private static String chooseApkovl(
      List<String> candidates, Optional<String> hostApkovl, Optional<String> choice)
      throws RecoverRefusedException {
    if (choice.isPresent()) {
      if (!candidates.contains(choice.get()) || ApkovlName.isInProgress(choice.get())) {
        throw new RecoverRefusedException(
            "--apkovl "
                + choice.get()
                + " is not an apkovl at the root of this version (candidates: "
                + (candidates.isEmpty() ? "none" : String.join(", ", candidates))
                + ")");
      }
      return choice.get();
    }
    if (hostApkovl.isPresent() && candidates.contains(hostApkovl.get())) {
      return hostApkovl.get();
    }
    List<String> named = candidates.stream().filter(ApkovlName::isApkovl).toList();
    if (named.size() == 1) {
      return named.get(0);
    }
    if (named.isEmpty()) {
      return null;
    }
    throw new RecoverRefusedException(
        "this version holds several apkovls ("
            + String.join(", ", named)
            + "); choose the one to boot with --apkovl NAME");
  }

  private static String releaseConfigTxt(ReleaseTarball release, Map<String, CardItem> items)
      throws IOException {
    CardItem config = configItem(items);
    if (config == null) {
      return null;
    }
    if (!config.fromRelease()) {
      return Files.readString(config.versionFile(), StandardCharsets.ISO_8859_1);
    }
    String[] text = new String[1];
    release.stream(
        Set.of(config.path()),
        (entry, in) -> text[0] = new String(readCapped(in), StandardCharsets.ISO_8859_1));
    return text[0];
  }

  private static CardItem configItem(Map<String, CardItem> items) {
    for (CardItem item : items.values()) {
      if (item.path().equalsIgnoreCase("config.txt")) {
        return item;
      }
    }
    return null;
  }

  private static byte[] readCapped(InputStream in) throws IOException {
    byte[] bytes = in.readNBytes((int) CONFIG_TXT_LIMIT);
    return bytes;
  }

  private static Map<String, CardItem> listVersion(Path card) throws IOException {
    Map<String, CardItem> items = new LinkedHashMap<>();
    for (TreeWalker.Entry e : TreeWalker.list(card)) {
      if (e.isFile()) {
        items.put(e.path(), new CardItem(e.path(), e.size(), e.mtime(), e.file()));
      }
    }
    return items;
  }

  /** Every directory of the version's card, empty ones included, parents first. */
  private static List<String> listDirectories(Path card) throws IOException {
    List<String> dirs = new ArrayList<>();
    for (TreeWalker.Entry e : TreeWalker.list(card)) {
      if (e.isDirectory()) {
        dirs.add(e.path());
      }
    }
    return dirs;
  }
}
