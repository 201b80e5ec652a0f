package dev.lbuvault.json;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A deliberately small JSON reader and writer for lbuvault's own metadata files. The repository
 * format holds a handful of flat documents, so a dependency on a full JSON library (and its
 * start-up cost on a Raspberry Pi) is not worth it. Values map to {@link Map} (insertion ordered),
 * {@link List}, {@link String}, {@link Long}, {@link Double}, {@link Boolean} and {@code null}.
 */
public final class Json {
  /**
   * The deepest nesting of objects and arrays a document may have. lbuvault's own files nest three
   * levels; the parser recurses once per level, so a bound keeps a hostile file (100,000 nested
   * arrays) from overflowing the thread's stack instead of being reported as damaged.
   */
  public static final int MAX_DEPTH = 64;

  /**
   * The largest metadata file {@link #readFile} accepts. The biggest real one (a version.json with
   * its warnings) is a few KiB; the bound keeps a huge file from filling a 64 MiB heap.
   */
  public static final long MAX_FILE_BYTES = 16L * 1024 * 1024;

  private Json() {}

  /**
   * Reads a metadata file as UTF-8 text, refusing one larger than {@link #MAX_FILE_BYTES}.
   *
   * @throws IOException naming the file when it is unreadable or too large
   */
  public static String readFile(Path file) throws IOException {
    try (SeekableByteChannel ch = Files.newByteChannel(file)) {
      long size = ch.size();
      if (size > MAX_FILE_BYTES) {
        throw new IOException(
            file
                + " is damaged: "
                + size
                + " bytes, more than the "
                + MAX_FILE_BYTES
                + " an lbuvault metadata file may have");
      }
      ByteBuffer buf = ByteBuffer.allocate((int) size);
      while (buf.hasRemaining() && ch.read(buf) >= 0) {
        // Reads until full or end of file (a file that shrank meanwhile is parsed as it is).
      }
      buf.flip();
      try {
        return StandardCharsets.UTF_8.newDecoder().decode(buf).toString();
      } catch (CharacterCodingException e) {
        throw new IOException(file + " is damaged: not UTF-8 text", e);
      }
    }
  }

  /** Renders a value as pretty-printed JSON with a trailing newline. */
  public static String write(Object value) {
    StringBuilder out = new StringBuilder();
    write(out, value, 0);
    out.append('\n');
    return out.toString();
  }

  /** Renders a value as JSON on one line. */
  public static String writeCompact(Object value) {
    StringBuilder out = new StringBuilder();
    write(out, value, -1);
    return out.toString();
  }

  /**
   * Parses a JSON document.
   *
   * @throws JsonException naming the character offset of the first defect
   */
  public static Object parse(String text) throws JsonException {
    Parser parser = new Parser(text);
    parser.skipSpace();
    Object value = parser.value();
    parser.skipSpace();
    if (parser.pos != text.length()) {
      throw new JsonException("unexpected text after the document at offset " + parser.pos);
    }
    return value;
  }

  private static void write(StringBuilder out, Object value, int indent) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof String s) {
      quote(out, s);
    } else if (value instanceof Boolean || value instanceof Long || value instanceof Integer) {
      out.append(value);
    } else if (value instanceof Number n) {
      out.append(n.toString());
    } else if (value instanceof Map<?, ?> map) {
      writeMap(out, map, indent);
    } else if (value instanceof List<?> list) {
      writeList(out, list, indent);
    } else {
      throw new IllegalArgumentException("cannot write " + value.getClass() + " as JSON");
    }
  }

  private static void writeMap(StringBuilder out, Map<?, ?> map, int indent) {
    if (map.isEmpty()) {
      out.append("{}");
      return;
    }
    out.append('{');
    boolean first = true;
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (!first) {
        out.append(',');
      }
      first = false;
      newline(out, indent < 0 ? -1 : indent + 1);
      quote(out, String.valueOf(e.getKey()));
      out.append(indent < 0 ? ":" : ": ");
      write(out, e.getValue(), indent < 0 ? -1 : indent + 1);
    }
    newline(out, indent);
    out.append('}');
  }

  private static void writeList(StringBuilder out, List<?> list, int indent) {
    if (list.isEmpty()) {
      out.append("[]");
      return;
    }
    out.append('[');
    for (int i = 0; i < list.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      newline(out, indent < 0 ? -1 : indent + 1);
      write(out, list.get(i), indent < 0 ? -1 : indent + 1);
    }
    newline(out, indent);
    out.append(']');
  }

  private static void newline(StringBuilder out, int indent) {
    if (indent < 0) {
      return;
    }
    out.append('\n');
    out.append("  ".repeat(indent));
  }

  private static void quote(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  private static final class Parser {
    private final String text;
    private int pos;
    private int depth;

    Parser(String text) {
      this.text = text;
    }

    void skipSpace() {
      while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
        pos++;
      }
    }

    Object value() throws JsonException {
      if (pos >= text.length()) {
        throw new JsonException("unexpected end of document at offset " + pos);
      }
      char c = text.charAt(pos);
      return switch (c) {
        case '{' -> nested(true);
        case '[' -> nested(false);
        case '"' -> string();
        case 't' -> literal("true", Boolean.TRUE);
        case 'f' -> literal("false", Boolean.FALSE);
        case 'n' -> literal("null", null);
        default -> number();
      };
    }

    private Object literal(String word, Object value) throws JsonException {
      if (!text.startsWith(word, pos)) {
        throw new JsonException("unexpected character '" + text.charAt(pos) + "' at offset " + pos);
      }
      pos += word.length();
      return value;
    }

    private Object nested(boolean isObject) throws JsonException {
      if (++depth > MAX_DEPTH) {
        throw new JsonException("nested more than " + MAX_DEPTH + " levels deep at offset " + pos);
      }
      Object value = isObject ? object() : array();
      depth--;
      return value;
    }

    private Map<String, Object> object() throws JsonException {
      Map<String, Object> map = new LinkedHashMap<>();
      pos++;
      skipSpace();
      if (peek() == '}') {
        pos++;
        return map;
      }
      while (true) {
        skipSpace();
        if (peek() != '"') {
          throw new JsonException("expected a quoted key at offset " + pos);
        }
        String key = string();
        skipSpace();
        expect(':');
        skipSpace();
        map.put(key, value());
        skipSpace();
        char c = next();
        if (c == '}') {
          return map;
        }
        if (c != ',') {
          throw new JsonException("expected ',' or '}' at offset " + (pos - 1));
        }
      }
    }

    private List<Object> array() throws JsonException {
      List<Object> list = new ArrayList<>();
      pos++;
      skipSpace();
      if (peek() == ']') {
        pos++;
        return list;
      }
      while (true) {
        skipSpace();
        list.add(value());
        skipSpace();
        char c = next();
        if (c == ']') {
          return list;
        }
        if (c != ',') {
          throw new JsonException("expected ',' or ']' at offset " + (pos - 1));
        }
      }
    }

    private String string() throws JsonException {
      expect('"');
      StringBuilder sb = new StringBuilder();
      while (true) {
        char c = next();
        if (c == '"') {
          return sb.toString();
        }
        if (c == '\\') {
          char e = next();
          switch (e) {
            case '"', '\\', '/' -> sb.append(e);
            case 'n' -> sb.append('\n');
            case 'r' -> sb.append('\r');
            case 't' -> sb.append('\t');
            case 'b' -> sb.append('\b');
            case 'f' -> sb.append('\f');
            case 'u' -> {
              if (pos + 4 > text.length()) {
                throw new JsonException("truncated \\u escape at offset " + pos);
              }
              try {
                sb.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
              } catch (NumberFormatException ex) {
                throw new JsonException("bad \\u escape at offset " + pos, ex);
              }
              pos += 4;
            }
            default -> throw new JsonException("bad escape '\\" + e + "' at offset " + (pos - 1));
          }
        } else {
          sb.append(c);
        }
      }
    }

    private Object number() throws JsonException {
      int start = pos;
      while (pos < text.length() && "+-0123456789.eE".indexOf(text.charAt(pos)) >= 0) {
        pos++;
      }
      String n = text.substring(start, pos);
      if (n.isEmpty()) {
        throw new JsonException(
            "unexpected character '" + text.charAt(start) + "' at offset " + start);
      }
      try {
        if (n.contains(".") || n.contains("e") || n.contains("E")) {
          return Double.parseDouble(n);
        }
        return Long.parseLong(n);
      } catch (NumberFormatException ex) {
        throw new JsonException("bad number '" + n + "' at offset " + start, ex);
      }
    }

    private char peek() throws JsonException {
      if (pos >= text.length()) {
        throw new JsonException("unexpected end of document at offset " + pos);
      }
      return text.charAt(pos);
    }

    private char next() throws JsonException {
      char c = peek();
      pos++;
      return c;
    }

    private void expect(char c) throws JsonException {
      if (next() != c) {
        throw new JsonException("expected '" + c + "' at offset " + (pos - 1));
      }
    }
  }
}
