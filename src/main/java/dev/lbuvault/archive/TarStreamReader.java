package dev.lbuvault.archive;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.attribute.FileTime;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

/**
 * Reads a plain tar stream member by member, as another host's {@code tar -cf -} writes it over
 * ssh: each header is checksummed and a stream that ends without the end-of-archive marker is a
 * truncation, not a shorter archive (a remote tar killed mid-stream must not pass for success).
 * Nothing is extracted: the caller decides where each member's bytes go.
 */
public final class TarStreamReader {
  /** One member's header: its name, whether it is a regular file, its size and mtime. */
  public record Member(String name, boolean regularFile, long size, FileTime mtime) {}

  private final StrictTarInputStream tar;
  private final Position position = new Position();

  public TarStreamReader(InputStream in) {
    this.tar = new StrictTarInputStream(in, position);
  }

  /**
   * The next member, or empty at the end-of-archive marker.
   *
   * @throws IOException when the stream is truncated or damaged; the message says where
   */
  public Optional<Member> next() throws IOException {
    TarArchiveEntry e;
    try {
      e = tar.getNextEntry();
    } catch (RuntimeException bad) {
      throw new IOException("damaged tar stream " + position.describePosition(), bad);
    }
    if (e == null) {
      return Optional.empty();
    }
    position.lastName = e.getName();
    position.entries++;
    return Optional.of(
        new Member(e.getName(), e.isFile() && !e.isLink(), e.getSize(), e.getLastModifiedTime()));
  }

  /** The current member's bytes; reading past them gives end of stream. Do not close it. */
  public InputStream content() {
    return tar;
  }

  /** Where the reader is, for messages. */
  private static final class Position implements StrictTarInputStream.EntryCounter {
    int entries;
    String lastName = "";

    @Override
    public String describePosition() {
      return entries == 0
          ? "at the start of the archive"
          : "after entry " + entries + " (" + lastName + ")";
    }
  }
}
