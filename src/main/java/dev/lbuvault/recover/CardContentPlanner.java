package dev.lbuvault.recover;

import dev.lbuvault.archive.ApkovlName;
import dev.lbuvault.archive.ReleaseTarball;
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
 * Decides which files go on the rebuilt card. A card must have exactly one apkovl at its root (the
 * initramfs boots whichever it lists first), never a {@code *.new}. With an Alpine release tarball,
 * boot files come from the release and only the host's own files (apkovl, {@code cache/}, {@code
 * usercfg.txt}) from the version.
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
    List<String> apkovls = new ArrayList<>();
    for (String path : fromVersion.keySet()) {
      if (path.indexOf('/') < 0 && ApkovlName.isApkovl(path)) {
        apkovls.add(path);
      }
    }
    String chosen = chooseApkovl(apkovls, hostApkovl, apkovlChoice);
    List<String> leftOut = new ArrayList<>();
    Map<String, CardItem> items = new LinkedHashMap<>();
    for (CardItem item : fromVersion.values()) {
      String p = item.path();
      String name = p.substring(p.lastIndexOf('/') + 1);
      boolean isApkovl = apkovls.contains(p);
      if (name.endsWith(".new")) {
        leftOut.add(p + " (an interrupted lbu commit)");
      } else if (isApkovl && !p.equals(chosen)) {
        leftOut.add(p + " (only one apkovl may be on the card)");
      } else if (release.isPresent() && !isApkovl && !fromHost(p)) {
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
      for (ReleaseTarball.Entry e : release.get().list()) {
        String name = e.path().substring(e.path().lastIndexOf('/') + 1);
        if (!taken.add(e.path().toLowerCase(java.util.Locale.ROOT))
            || ApkovlName.isApkovl(name)
            || name.endsWith(".new")) {
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

  /** The files that are the host's own rather than Alpine's. */
  private static boolean fromHost(String path) {
    return path.startsWith("cache/") || path.equalsIgnoreCase("usercfg.txt");
  }

  private static String chooseApkovl(
      List<String> apkovls, Optional<String> hostApkovl, Optional<String> choice)
      throws RecoverRefusedException {
    if (choice.isPresent()) {
      if (!apkovls.contains(choice.get())) {
        throw new RecoverRefusedException(
            "--apkovl "
                + choice.get()
                + " is not in this version (apkovls: "
                + (apkovls.isEmpty() ? "none" : String.join(", ", apkovls))
                + ")");
      }
      return choice.get();
    }
    if (hostApkovl.isPresent() && apkovls.contains(hostApkovl.get())) {
      return hostApkovl.get();
    }
    if (apkovls.size() == 1) {
      return apkovls.get(0);
    }
    if (apkovls.isEmpty()) {
      return null;
    }
    throw new RecoverRefusedException(
        "this version holds several apkovls ("
            + String.join(", ", apkovls)
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
