package dev.lbuvault.uncommitted;

/**
 * {@code fnmatch(3)} with {@code FNM_PATHNAME} over one path component, as apk matches protected
 * path patterns: {@code *} and {@code ?} (never a {@code /}), bracket expressions with {@code !} or
 * {@code ^} negation and ranges, and backslash escapes. A leading dot is matched like any character
 * ({@code FNM_PERIOD} is not set).
 */
final class Glob {
  private Glob() {}

  static boolean matches(String pattern, String name) {
    return match(pattern, 0, name, 0);
  }

  private static boolean match(String p, int pi, String s, int si) {
    while (pi < p.length()) {
      char c = p.charAt(pi);
      if (c == '*') {
        while (pi < p.length() && p.charAt(pi) == '*') {
          pi++;
        }
        for (int k = si; k <= s.length(); k++) {
          if (match(p, pi, s, k)) {
            return true;
          }
          if (k < s.length() && s.charAt(k) == '/') {
            return false;
          }
        }
        return false;
      }
      if (si >= s.length()) {
        return false;
      }
      char sc = s.charAt(si);
      if (c == '?') {
        if (sc == '/') {
          return false;
        }
        pi++;
      } else if (c == '[') {
        int end = bracketEnd(p, pi);
        if (end < 0) {
          if (sc != '[') {
            return false;
          }
          pi++;
        } else {
          if (sc == '/' || !inBracket(p, pi + 1, end, sc)) {
            return false;
          }
          pi = end + 1;
        }
      } else {
        if (c == '\\' && pi + 1 < p.length()) {
          pi++;
          c = p.charAt(pi);
        }
        if (c != sc) {
          return false;
        }
        pi++;
      }
      si++;
    }
    return si == s.length();
  }

  /** The index of the {@code ]} closing the bracket expression at {@code open}, or -1. */
  private static int bracketEnd(String p, int open) {
    int i = open + 1;
    if (i < p.length() && (p.charAt(i) == '!' || p.charAt(i) == '^')) {
      i++;
    }
    if (i < p.length() && p.charAt(i) == ']') {
      i++;
    }
    for (; i < p.length(); i++) {
      if (p.charAt(i) == ']') {
        return i;
      }
    }
    return -1;
  }

  private static boolean inBracket(String p, int from, int end, char c) {
    boolean negate = p.charAt(from) == '!' || p.charAt(from) == '^';
    int i = negate ? from + 1 : from;
    boolean found = false;
    boolean first = true;
    while (i < end) {
      char lo = p.charAt(i);
      if (lo == '\\' && i + 1 < end) {
        lo = p.charAt(++i);
      } else if (lo == ']' && !first) {
        break;
      }
      first = false;
      if (i + 2 < end && p.charAt(i + 1) == '-') {
        char hi = p.charAt(i + 2);
        found |= lo <= c && c <= hi;
        i += 3;
      } else {
        found |= lo == c;
        i++;
      }
    }
    return found != negate;
  }
}
