package dev.lbuvault.text;

/**
 * Keeps a message on one line whatever it quotes. File names on a card, host names from a file name
 * and values from a configuration file may hold a newline or another control character; a message
 * that printed them raw would become two lines (a forged second log line, a broken
 * one-line-per-event log) or move the terminal's cursor. Control characters (C0, DEL, C1 and the
 * Unicode line and paragraph separators) become visible escapes: {@code \n}, {@code \r}, {@code
 * \t}, or {@code \xNN} / {@code \\uNNNN}. A backslash is left as it is, so ordinary paths read
 * unchanged.
 */
public final class OneLine {
  private OneLine() {}

  /** {@code text} with every control character escaped; null stays "null". */
  public static String escape(String text) {
    if (text == null) {
      return "null";
    }
    if (text.chars().noneMatch(OneLine::isControl)) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length() + 8);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!isControl(c)) {
        out.append(c);
      } else if (c == '\n') {
        out.append("\\n");
      } else if (c == '\r') {
        out.append("\\r");
      } else if (c == '\t') {
        out.append("\\t");
      } else if (c <= 0xff) {
        out.append(String.format("\\x%02x", (int) c));
      } else {
        out.append(String.format("\\u%04x", (int) c));
      }
    }
    return out.toString();
  }

  private static boolean isControl(int c) {
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029;
  }
}
