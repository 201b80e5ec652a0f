package dev.lbuvault.archive;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
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
   * Lists the release's regular files.
   *
   * @throws IOException naming the tarball when it is not a readable gzip'd tar or holds unsafe
   *     names
   */
  public List<Entry> list() throws IOException {
    List<Entry> entries = new ArrayList<>();
    read(null, (e, in) -> entries.add(e));
    return entries;
  }

  /** Streams the contents of the files whose paths are in {@code wanted}. */
  public void stream(Set<String> wanted, EntryConsumer consumer) throws IOException {
    read(wanted, consumer);
  }

  private void read(Set<String> wanted, EntryConsumer consumer) throws IOException {
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), BUFFER);
        GzipCompressorInputStream gz =
            GzipCompressorInputStream.builder().setInputStream(raw).get();
        TarArchiveInputStream tar = new TarArchiveInputStream(gz)) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        if (!e.isFile()) {
          continue;
        }
        String path = cardPath(e.getName());
        Entry entry = new Entry(path, e.getSize(), FileTime.from(e.getModTime().toInstant()));
        if (wanted == null || wanted.contains(path)) {
          consumer.accept(entry, tar);
        }
      }
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

  private String cardPath(String name) throws IOException {
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
