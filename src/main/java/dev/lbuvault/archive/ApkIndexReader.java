package dev.lbuvault.archive;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Reads apk package indexes as a stream, handing each record to the caller and keeping only the one
 * being read: {@code APKINDEX.tar.gz} (a gzip'd tar whose member {@code APKINDEX} is the text
 * index; a signed index is a second gzip member in front holding the signature, read through as one
 * tar) and the apk cache's plain-text {@code installed}. Records are blocks of {@code X:value}
 * lines separated by a blank line. Bounded: a line over {@value #MAX_LINE} bytes, a record with
 * more than {@value #MAX_TOKENS} dependencies or provides, or more than {@value #MAX_INDEX_BYTES}
 * bytes of index text is refused as damage, so a hostile index costs neither heap nor unbounded
 * time.
 */
public final class ApkIndexReader {
  static final int MAX_LINE = 64 * 1024;
  static final int MAX_TOKENS = 10_000;
  static final long MAX_INDEX_BYTES = 64L << 20;
  static final long MAX_TAR_BYTES = 2 * MAX_INDEX_BYTES;
  private static final String INDEX_MEMBER = "APKINDEX";
  private static final int BUFFER = 1 << 16;

  /** Receives one record. */
  @FunctionalInterface
  public interface Sink {
    void accept(ApkIndexEntry entry);
  }

  private ApkIndexReader() {}

  /**
   * Reads the {@code APKINDEX} member of a gzip'd tar.
   *
   * @throws IOException naming {@code where} when the data is not a readable gzip'd tar, holds no
   *     {@code APKINDEX}, or exceeds the bounds
   */
  public static void readTarGz(InputStream in, String where, Sink sink) throws IOException {
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(
            new Bounded(new GZIPInputStream(new BufferedInputStream(in, BUFFER), BUFFER), where))) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        if (tar.getBytesRead() > MAX_INDEX_BYTES) {
          break;
        }
        if (e.isFile() && INDEX_MEMBER.equals(e.getName())) {
          readText(tar, where, sink);
          return;
        }
      }
    } catch (IOException | RuntimeException e) {
      if (e.getMessage() != null && e.getMessage().startsWith(where)) {
        throw e; // already says where and what
      }
      throw new IOException(where + " is not a readable APKINDEX.tar.gz: " + e.getMessage(), e);
    }
    throw new IOException(where + " holds no APKINDEX member");
  }

  /**
   * Reads index text (the {@code APKINDEX} member, or the cache's {@code installed}).
   *
   * @throws IOException naming {@code where} on a read error or when the text exceeds the bounds
   */
  public static void readText(InputStream in, String where, Sink sink) throws IOException {
    Record record = new Record();
    byte[] line = new byte[MAX_LINE];
    int length = 0;
    long total = 0;
    byte[] buffer = new byte[BUFFER];
    for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
      total += n;
      if (total > MAX_INDEX_BYTES) {
        throw new IOException(where + ": index text over " + MAX_INDEX_BYTES + " bytes");
      }
      for (int i = 0; i < n; i++) {
        byte b = buffer[i];
        if (b == '\n') {
          record.line(new String(line, 0, length, StandardCharsets.UTF_8), where, sink);
          length = 0;
        } else if (length == MAX_LINE) {
          throw new IOException(where + ": a line over " + MAX_LINE + " bytes");
        } else {
          line[length++] = b;
        }
      }
    }
    if (length > 0) {
      record.line(new String(line, 0, length, StandardCharsets.UTF_8), where, sink);
    }
    record.end(sink);
  }

  /**
   * Stops decompression past {@value #MAX_TAR_BYTES} bytes, so a tar whose other members are a gzip
   * bomb costs bounded time even though those members are only skipped.
   */
  private static final class Bounded extends FilterInputStream {
    private final String where;
    private long count;

    Bounded(InputStream in, String where) {
      super(in);
      this.where = where;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        add(1);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      return n < 0 ? n : (int) add(n);
    }

    @Override
    public long skip(long n) throws IOException {
      return add(super.skip(n));
    }

    private long add(long n) throws IOException {
      count += n;
      if (count > MAX_TAR_BYTES) {
        throw new IOException(where + ": over " + MAX_TAR_BYTES + " bytes once decompressed");
      }
      return n;
    }
  }

  /** The record being read. */
  private static final class Record {
    private String name;
    private String version;
    private List<String> depends = List.of();
    private List<String> provides = List.of();

    void line(String l, String where, Sink sink) throws IOException {
      if (l.isEmpty()) {
        end(sink);
        return;
      }
      if (l.length() < 2 || l.charAt(1) != ':') {
        return; // not a field line; apk ignores what it does not know
      }
      String value = l.substring(2);
      switch (l.charAt(0)) {
        case 'P' -> name = value;
        case 'V' -> version = value;
        case 'D' -> depends = tokens(value, where);
        case 'p' -> provides = tokens(value, where);
        default -> {
          // other fields (size, checksum, description, ...) are not needed
        }
      }
    }

    void end(Sink sink) {
      if (name != null && version != null) {
        sink.accept(new ApkIndexEntry(name, version, depends, provides));
      }
      name = null;
      version = null;
      depends = List.of();
      provides = List.of();
    }

    private static List<String> tokens(String value, String where) throws IOException {
      List<String> t = new ArrayList<>(Arrays.asList(value.trim().split("\\s+")));
      t.removeIf(String::isEmpty);
      if (t.size() > MAX_TOKENS) {
        throw new IOException(where + ": a record with over " + MAX_TOKENS + " names");
      }
      return t;
    }
  }
}
