package dev.lbuvault.status;

import dev.lbuvault.archive.ApkovlName;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What one stat-only look at the card's root found: every top-level entry with its size and mtime
 * (a directory's mtime changes when an entry is added or removed in it), the apkovls, and whether
 * lbu is writing ({@code *.apkovl.tar.gz*.new} present). The source is "up" when its directory is
 * readable and holds at least one apkovl: an unmounted mount point is an empty directory.
 *
 * @param up whether the card is readable and holds an apkovl
 * @param problem why it is not up (empty when up)
 * @param topLevel the root's entries by name
 * @param apkovls names of the apkovls at the root, sorted
 * @param inProgress whether an apkovl is being written ({@code .new} present)
 */
public record SourceSnapshot(
    boolean up,
    String problem,
    Map<String, Entry> topLevel,
    List<String> apkovls,
    boolean inProgress) {

  /**
   * One entry at the card's root.
   *
   * @param size bytes (for a directory, what the filesystem reports)
   * @param mtime modification time
   * @param directory whether it is a directory
   */
  public record Entry(long size, FileTime mtime, boolean directory) {
    public Entry {
      Objects.requireNonNull(mtime, "mtime");
    }
  }

  public SourceSnapshot {
    Objects.requireNonNull(problem, "problem");
    topLevel = Collections.unmodifiableMap(new TreeMap<>(topLevel));
    apkovls = List.copyOf(apkovls);
    if (up != problem.isEmpty()) {
      throw new IllegalArgumentException("a source is up exactly when there is no problem");
    }
  }

  /** A source that could not be read at all. */
  public static SourceSnapshot down(String problem) {
    if (problem.isEmpty()) {
      throw new IllegalArgumentException("a down source needs a reason");
    }
    return new SourceSnapshot(false, problem, Map.of(), List.of(), false);
  }

  /** The modification time of {@code host}'s apkovl, else of the only apkovl on the card. */
  public Optional<Instant> apkovlModified(String host) {
    String chosen = null;
    for (String name : apkovls) {
      if (ApkovlName.hostOf(name).orElse("").equals(host)) {
        chosen = name;
      }
    }
    if (chosen == null && apkovls.size() == 1) {
      chosen = apkovls.get(0);
    }
    Entry e = chosen == null ? null : topLevel.get(chosen);
    return e == null ? Optional.empty() : Optional.of(e.mtime().toInstant());
  }

  /** Hosts named by the apkovls on the card, sorted. */
  public List<String> hosts() {
    return apkovls.stream()
        .map(ApkovlName::hostOf)
        .flatMap(Optional::stream)
        .distinct()
        .sorted()
        .toList();
  }
}
