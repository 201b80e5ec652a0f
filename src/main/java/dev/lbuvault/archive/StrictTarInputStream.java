package dev.lbuvault.archive;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarUtils;

/**
 * A TarArchiveInputStream that refuses what commons-compress 1.28 silently tolerates.
 *
 * <ul>
 *   <li>It treats a short read where a header belongs as the end of the archive, so an archive cut
 *       at a record boundary would look complete; here that is a truncation unless an all-zero
 *       end-of-archive record came first.
 *   <li>It never checks header checksums; here every header is checked.
 *   <li>It skips the rest of the last 10 KiB block after the end-of-archive marker without looking
 *       at it; here blocks are one record, so whatever follows the marker is left for the caller to
 *       check.
 *   <li>It strips leading slashes from names that come from GNU long-name and PAX records, which
 *       would hide an absolute member name from the caller; here those records are read raw and
 *       {@link #nameWasAbsolute()} tells whether any name source of the current entry started with
 *       a slash.
 * </ul>
 *
 * <p>The raw-record hooks rely on commons-compress reading every header through {@link
 * #readRecord()} and the data of long-name and PAX records through {@link #read(byte[], int, int)};
 * the tests pin that behaviour.
 */
final class StrictTarInputStream extends TarArchiveInputStream {
  static final int RECORD_SIZE = 512;

  /** Names and PAX records are tiny; a larger one is damage, and unbounded would risk the heap. */
  private static final int MAX_METADATA_BYTES = 1 << 20;

  private static final int TYPEFLAG_OFFSET = 156;
  private static final int MAGIC_OFFSET = 257;
  private static final int PREFIX_OFFSET = 345;
  private static final int OLDGNU_ISEXTENDED_OFFSET = 482;
  private static final int SPARSE_EXTENSION_ISEXTENDED_OFFSET = 504;
  private static final byte[] USTAR_MAGIC = {'u', 's', 't', 'a', 'r', 0};

  private final EntryCounter counter;
  private boolean sawEndMarker;
  private boolean expectSparseExtension;
  private byte captureType;
  private ByteArrayOutputStream capture;
  private boolean pendingNameAbsolute;
  private boolean globalPathAbsolute;
  private boolean nameAbsolute;

  /** Supplies context for messages, since the caller, not this stream, counts entries. */
  interface EntryCounter {
    String describePosition();
  }

  StrictTarInputStream(InputStream in, EntryCounter counter) {
    // Blocks of one record: commons-compress skips the rest of the last block after the end
    // marker unchecked, which would let data hidden there pass; the caller checks it instead.
    super(in, RECORD_SIZE, StandardCharsets.UTF_8.name());
    this.counter = counter;
  }

  /** Whether the current entry's name, from any header or record, started with a slash. */
  boolean nameWasAbsolute() {
    return nameAbsolute;
  }

  @Override
  protected byte[] readRecord() throws IOException {
    byte[] record = super.readRecord();
    finishCapture();
    if (record == null) {
      if (!sawEndMarker) {
        throw new DefectException(
            "truncated: tar data ends "
                + counter.describePosition()
                + " without an end-of-archive marker",
            DefectException.DAMAGED);
      }
      return null;
    }
    long offset = getBytesRead() - RECORD_SIZE;
    if (isAllZero(record)) {
      sawEndMarker = true;
      return record;
    }
    if (sawEndMarker) {
      throw new DefectException(
          "unexpected data after the tar end-of-archive marker at tar offset " + offset,
          DefectException.DAMAGED);
    }
    if (expectSparseExtension) {
      // Old-GNU sparse extension records carry no checksum of their own.
      expectSparseExtension = record[SPARSE_EXTENSION_ISEXTENDED_OFFSET] != 0;
      return record;
    }
    if (!checksumMatches(record)) {
      throw new DefectException(
          "bad tar header checksum at tar offset " + offset + " " + counter.describePosition(),
          DefectException.DAMAGED);
    }
    byte type = record[TYPEFLAG_OFFSET];
    switch (type) {
      case 'L', 'x', 'X', 'g' -> {
        captureType = type;
        capture = new ByteArrayOutputStream();
      }
      case 'K' -> {
        // Long link targets are not normalised by commons-compress; the caller sees them raw.
      }
      default -> {
        nameAbsolute = pendingNameAbsolute || globalPathAbsolute || headerNameAbsolute(record);
        pendingNameAbsolute = false;
        expectSparseExtension = type == 'S' && record[OLDGNU_ISEXTENDED_OFFSET] != 0;
      }
    }
    return record;
  }

  @Override
  public int read(byte[] buf, int offset, int numToRead) throws IOException {
    int n = super.read(buf, offset, numToRead);
    if (capture != null && n > 0) {
      if (capture.size() + n > MAX_METADATA_BYTES) {
        throw new DefectException(
            "tar long-name or PAX record larger than 1 MiB " + counter.describePosition(),
            DefectException.DAMAGED);
      }
      capture.write(buf, offset, n);
    }
    return n;
  }

  private void finishCapture() {
    if (capture == null) {
      return;
    }
    byte[] data = capture.toByteArray();
    capture = null;
    if (captureType == 'L') {
      pendingNameAbsolute |= data.length > 0 && data[0] == '/';
      return;
    }
    Optional<Boolean> pathAbsolute = paxPathAbsolute(data);
    if (pathAbsolute.isEmpty()) {
      return;
    }
    if (captureType == 'g') {
      globalPathAbsolute = pathAbsolute.get();
    } else {
      pendingNameAbsolute |= pathAbsolute.get();
    }
  }

  /**
   * Whether the last {@code path} keyword of PAX records ({@code "<len> <key>=<value>\n"}) starts
   * with a slash; empty if there is none. Malformed records end the scan: commons-compress rejects
   * them itself.
   */
  static Optional<Boolean> paxPathAbsolute(byte[] data) {
    Optional<Boolean> result = Optional.empty();
    int pos = 0;
    while (pos < data.length) {
      int space = indexOf(data, (byte) ' ', pos, data.length);
      if (space < 0) {
        break;
      }
      int length;
      try {
        length = Integer.parseInt(new String(data, pos, space - pos, StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        break;
      }
      if (length <= 0 || length > data.length - pos) {
        break;
      }
      int end = pos + length;
      int equals = indexOf(data, (byte) '=', space + 1, end);
      if (equals < 0) {
        break;
      }
      String key = new String(data, space + 1, equals - space - 1, StandardCharsets.UTF_8);
      if (key.equals("path")) {
        result = Optional.of(equals + 1 < end && data[equals + 1] == '/');
      }
      pos = end;
    }
    return result;
  }

  /** TarUtils throws on a checksum field that is not octal; that is a mismatch as well. */
  static boolean checksumMatches(byte[] record) {
    try {
      return TarUtils.verifyCheckSum(record);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static boolean headerNameAbsolute(byte[] record) {
    boolean ustar = true;
    for (int i = 0; i < USTAR_MAGIC.length; i++) {
      ustar &= record[MAGIC_OFFSET + i] == USTAR_MAGIC[i];
    }
    if (ustar && record[PREFIX_OFFSET] != 0) {
      return record[PREFIX_OFFSET] == '/';
    }
    return record[0] == '/';
  }

  private static boolean isAllZero(byte[] record) {
    for (byte b : record) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static int indexOf(byte[] data, byte wanted, int from, int to) {
    for (int i = from; i < to; i++) {
      if (data[i] == wanted) {
        return i;
      }
    }
    return -1;
  }
}
