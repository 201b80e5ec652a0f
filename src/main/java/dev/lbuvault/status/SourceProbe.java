package dev.lbuvault.status;

import dev.lbuvault.archive.ApkovlName;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Looks at the card's root by stat only (never reads content, never writes): the cheap check the
 * daemon repeats every rescan interval to notice a remount, an unmount or a commit whose inotify
 * events it missed, and that a one-shot backup uses to report the source in its textfile.
 */
public final class SourceProbe {
  private SourceProbe() {}

  /** Lists {@code source}'s root; never throws: an unreadable source is a down snapshot. */
  public static SourceSnapshot probe(Path source) {
    if (!Files.exists(source)) {
      return SourceSnapshot.down(source + " does not exist");
    }
    if (!Files.isDirectory(source)) {
      return SourceSnapshot.down(source + " is not a directory");
    }
    Map<String, SourceSnapshot.Entry> entries = new HashMap<>();
    List<String> apkovls = new ArrayList<>();
    boolean inProgress = false;
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(source)) {
      for (Path p : dir) {
        String name = p.getFileName().toString();
        BasicFileAttributes a;
        try {
          a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
          continue; // renamed away between listing and stat (lbu's mv): the next look sees it
        }
        entries.put(
            name, new SourceSnapshot.Entry(a.size(), a.lastModifiedTime(), a.isDirectory()));
        if (ApkovlName.isInProgress(name)) {
          inProgress = true;
        } else if (a.isRegularFile() && ApkovlName.isApkovl(name)) {
          apkovls.add(name);
        }
      }
    } catch (AccessDeniedException e) {
      return SourceSnapshot.down(source + " cannot be read: permission denied");
    } catch (IOException e) {
      return SourceSnapshot.down(source + " cannot be read: " + e.getMessage());
    }
    apkovls.sort(null);
    if (apkovls.isEmpty()) {
      return new SourceSnapshot(
          false,
          "no *.apkovl.tar.gz at the root of " + source + " (card not mounted?)",
          entries,
          apkovls,
          inProgress);
    }
    return new SourceSnapshot(true, "", entries, apkovls, inProgress);
  }
}
