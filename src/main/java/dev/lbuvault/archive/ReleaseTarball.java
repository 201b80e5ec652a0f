package dev.lbuvault.archive;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Alpine's Raspberry Pi release tarball ({@code alpine-rpi-<ver>-<arch>.tar.gz}), read as a stream
 * and never extracted: one pass lists its files (so the card can be laid out), a second pass hands
 * the wanted files' contents to the caller in archive order.
 */
public final class ReleaseTarball {
  private static final int BUFFER = 1 << 20;

  private final Path file;

  public ReleaseTarball(Path file) {
    this.file = file;
  }

  /** One regular file of the release: its card path (no leading "./"), size and mtime. */
  public record Entry(String path, long size, FileTime mtime) {}

  /** Receives one file's content; the stream ends at the end of that file. */
  @FunctionalInterface
  public interface EntryConsumer {
    void accept(Entry entry, InputStream content) throws IOException;
  }

  /**
   * Lists the release's files as they go on the card, a hard link as a file with its target's
   * content.
   *
   * @throws UnusableReleaseException naming the member when the tarball holds what a FAT card
   *     cannot represent (symbolic link, device, FIFO), a name twice, names that differ only in
   *     case, or a hard link to no earlier file
   * @throws IOException naming the tarball when it is not a readable gzip'd tar or holds unsafe
   *     names
   */
  public List<Entry> list() throws IOException {
    Members members = new Members(file);
    read(header -> members.add(header), null, (e, in) -> {});
    return members.entries();
  }

  /**
   * Streams the contents of the files whose paths are in {@code wanted}, a hard link's from its
   * target. Regular files come in archive order in one pass; each wanted hard link needs one more
   * pass for its target's content, and release tarballs hold few, if any.
   */
  public void stream(Set<String> wanted, EntryConsumer consumer) throws IOException {
    Map<String, String> linkTargets = new HashMap<>();
    read(
        header -> {
          if (header.isLink() && wanted.contains(cardPath(header.getName()))) {
            linkTargets.put(cardPath(header.getName()), cardPath(header.getLinkName()));
          }
        },
        wanted,
        consumer);
    for (Map.Entry<String, String> link : new TreeMap<>(linkTargets).entrySet()) {
      read(
          header -> {},
          Set.of(link.getValue()),
          (target, in) ->
              consumer.accept(new Entry(link.getKey(), target.size(), target.mtime()), in));
    }
  }

  /** Sees every header, files and others, before its content is offered. */
  @FunctionalInterface
  private interface HeaderCheck {
    void check(TarArchiveEntry header) throws IOException;
  }

  private void read(HeaderCheck check, Set<String> wanted, EntryConsumer consumer)
      throws IOException {
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), BUFFER);
        GzipCompressorInputStream gz =
            GzipCompressorInputStream.builder().setInputStream(raw).get();
        TarArchiveInputStream tar = new TarArchiveInputStream(gz)) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        check.check(e);
        if (!isRegular(e)) {
          continue;
        }
        String path = cardPath(e.getName());
        Entry entry = new Entry(path, e.getSize(), FileTime.from(e.getModTime().toInstant()));
        if (wanted == null || wanted.contains(path)) {
          consumer.accept(entry, tar);
        }
      }
    } catch (UnusableReleaseException e) {
      throw e;
    } catch (IOException | IllegalArgumentException e) {
      throw new IOException(
          "cannot read Alpine release tarball "
              + file
              + ": "
              + e.getMessage()
              + " (expected alpine-rpi-<version>-<arch>.tar.gz)",
          e);
    }
  }

  /**
   * What {@link #list()} collects: the files in archive order, and every path in lower case, since
   * FAT takes names that differ only in case for the same name.
   */
  private static final class Members {
    private final Path tarball;
    private final Map<String, Entry> files = new LinkedHashMap<>();
    private final Map<String, String> byFoldedPath = new HashMap<>();

    Members(Path tarball) {
      this.tarball = tarball;
    }

    void add(TarArchiveEntry header) throws IOException {
      if (header.isDirectory()) {
        String dir = MemberTree.normalize(header.getName());
        if (!dir.isEmpty()) {
          claim(cardPath(dir), true);
        }
        return;
      }
      String path = cardPath(header.getName());
      if (!header.isLink() && !isRegular(header)) {
        throw refusal(
            "holds "
                + kind(header)
                + " "
                + quoted(path)
                + ", which a FAT card cannot hold; use Alpine's own"
                + " alpine-rpi-<version>-<arch>.tar.gz");
      }
      FileTime mtime = FileTime.from(header.getModTime().toInstant());
      long size = header.getSize();
      if (header.isLink()) {
        Entry target = files.get(cardPath(header.getLinkName()));
        if (target == null) {
          throw refusal(
              "holds hard link "
                  + quoted(path)
                  + " to "
                  + quoted(header.getLinkName())
                  + ", which is not an earlier file of the tarball");
        }
        size = target.size();
      }
      if (files.containsKey(path)) {
        throw refusal("holds " + quoted(path) + " twice; a card can hold only one");
      }
      claim(path, false);
      files.put(path, new Entry(path, size, mtime));
    }

    /** Registers {@code path} and its directories, refusing two spellings of one FAT name. */
    private void claim(String path, boolean directory) throws UnusableReleaseException {
      int slash = path.indexOf('/');
      while (slash >= 0) {
        claimOne(path.substring(0, slash), true);
        slash = path.indexOf('/', slash + 1);
      }
      claimOne(path, directory);
    }

    private void claimOne(String path, boolean directory) throws UnusableReleaseException {
      String key = path.toLowerCase(Locale.ROOT) + (directory ? "/" : "");
      String otherKind = path.toLowerCase(Locale.ROOT) + (directory ? "" : "/");
      String earlier = byFoldedPath.get(otherKind);
      if (earlier == null) {
        earlier = byFoldedPath.putIfAbsent(key, path);
        if (earlier == null || earlier.equals(path)) {
          return;
        }
      }
      throw refusal(
          "holds both "
              + quoted(earlier)
              + " and "
              + quoted(path)
              + ", one name on a FAT card, which ignores case");
    }

    List<Entry> entries() {
      return new ArrayList<>(files.values());
    }

    private UnusableReleaseException refusal(String what) {
      return new UnusableReleaseException("Alpine release tarball " + tarball + " " + what);
    }

    private static String kind(TarArchiveEntry header) {
      if (header.isSymbolicLink()) {
        return "a symbolic link";
      }
      if (header.isCharacterDevice() || header.isBlockDevice()) {
        return "a device node";
      }
      return header.isFIFO()
          ? "a FIFO"
          : "a member of tar type '" + (char) header.getLinkFlag() + "'";
    }
  }

  /**
   * Whether a member is a file with content of its own. commons-compress's {@code isFile()} also
   * answers true for links, devices and FIFOs, which is how they used to become empty files.
   */
  private static boolean isRegular(TarArchiveEntry e) {
    return e.isFile()
        && !e.isLink()
        && !e.isSymbolicLink()
        && !e.isCharacterDevice()
        && !e.isBlockDevice()
        && !e.isFIFO();
  }

  private static String quoted(String name) {
    return ApkovlValidator.shown(name);
  }

  private static String cardPath(String name) throws IOException {
    String p = name;
    while (p.startsWith("./")) {
      p = p.substring(2);
    }
    if (p.isEmpty() || p.startsWith("/")) {
      throw new IOException("member \"" + name + "\" has an absolute or empty name");
    }
    for (String segment : p.split("/")) {
      if (segment.equals("..")) {
        throw new IOException("member \"" + name + "\" escapes the card with '..'");
      }
    }
    return p;
  }
}
