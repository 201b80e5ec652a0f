package dev.lbuvault.metrics;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The request line of an HTTP/1.x request, all {@link MetricsServer} needs: the method and the path
 * without its query. Headers are read (to find their end) but not kept.
 */
record HttpRequest(String method, String path) {
  /**
   * The offset just past the blank line that ends the headers in {@code buf}'s written part, or -1
   * while it has not arrived.
   */
  static int headerEnd(ByteBuffer buf) {
    int limit = buf.position();
    for (int i = 0; i < limit; i++) {
      if (buf.get(i) != '\n') {
        continue;
      }
      if (i + 1 < limit && buf.get(i + 1) == '\n') {
        return i + 2;
      }
      if (i + 2 < limit && buf.get(i + 1) == '\r' && buf.get(i + 2) == '\n') {
        return i + 3;
      }
    }
    return -1;
  }

  /** Parses the request line of the first {@code end} bytes; a garbled one has method "?". */
  static HttpRequest parse(ByteBuffer buf, int end) {
    int lineEnd = 0;
    while (lineEnd < end && buf.get(lineEnd) != '\r' && buf.get(lineEnd) != '\n') {
      lineEnd++;
    }
    byte[] line = new byte[lineEnd];
    buf.get(0, line);
    String[] parts = new String(line, StandardCharsets.ISO_8859_1).split(" ", -1);
    if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
      return new HttpRequest("?", "");
    }
    String target = parts[1];
    int query = target.indexOf('?');
    return new HttpRequest(parts[0], query < 0 ? target : target.substring(0, query));
  }
}
