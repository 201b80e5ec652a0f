package dev.lbuvault.diff;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The shortest edit script between two lists of lines (Myers' O(ND) algorithm, as GNU diff uses),
 * after trimming the common prefix and suffix. Work and memory grow with the number of differences
 * D, not the file size, so a cap on D bounds both: beyond it the caller says "too different to
 * show" instead of spending the Pi's memory on a configuration file that was rewritten whole.
 */
final class LineDiff {
  /** What happens to one line on the way from the old text to the new. */
  enum Op {
    KEEP,
    DELETE,
    INSERT
  }

  /**
   * One step of the script.
   *
   * @param op keep, delete or insert
   * @param oldIndex the line's index in the old text (for KEEP and DELETE), else -1
   * @param newIndex the line's index in the new text (for KEEP and INSERT), else -1
   */
  record Edit(Op op, int oldIndex, int newIndex) {}

  private LineDiff() {}

  /**
   * The edit script turning {@code a} into {@code b}, or empty if it needs more than maxD edits.
   */
  static Optional<List<Edit>> edits(List<String> a, List<String> b, int maxD) {
    int prefix = 0;
    while (prefix < a.size() && prefix < b.size() && a.get(prefix).equals(b.get(prefix))) {
      prefix++;
    }
    int suffix = 0;
    while (suffix < a.size() - prefix
        && suffix < b.size() - prefix
        && a.get(a.size() - 1 - suffix).equals(b.get(b.size() - 1 - suffix))) {
      suffix++;
    }
    List<String> midA = a.subList(prefix, a.size() - suffix);
    List<String> midB = b.subList(prefix, b.size() - suffix);
    Optional<List<Edit>> middle = myers(midA, midB, maxD);
    if (middle.isEmpty()) {
      return Optional.empty();
    }
    List<Edit> script = new ArrayList<>(a.size() + b.size());
    for (int i = 0; i < prefix; i++) {
      script.add(new Edit(Op.KEEP, i, i));
    }
    for (Edit e : middle.get()) {
      script.add(
          new Edit(
              e.op(),
              e.oldIndex() < 0 ? -1 : e.oldIndex() + prefix,
              e.newIndex() < 0 ? -1 : e.newIndex() + prefix));
    }
    for (int i = suffix; i > 0; i--) {
      script.add(new Edit(Op.KEEP, a.size() - i, b.size() - i));
    }
    return Optional.of(script);
  }

  private static Optional<List<Edit>> myers(List<String> a, List<String> b, int maxD) {
    int n = a.size();
    int m = b.size();
    int offset = n + m + 1;
    int[] v = new int[2 * offset + 1];
    List<int[]> trace = new ArrayList<>();
    for (int d = 0; d <= Math.min(maxD, n + m); d++) {
      trace.add(window(v, offset, d));
      for (int k = -d; k <= d; k += 2) {
        int x = takesInsert(v, offset, k, d) ? v[offset + k + 1] : v[offset + k - 1] + 1;
        int y = x - k;
        while (x < n && y < m && a.get(x).equals(b.get(y))) {
          x++;
          y++;
        }
        v[offset + k] = x;
        if (x >= n && y >= m) {
          return Optional.of(backtrack(trace, n, m));
        }
      }
    }
    return Optional.empty();
  }

  /** Whether the path to diagonal k comes down from k+1 (an insertion) rather than k-1. */
  private static boolean takesInsert(int[] v, int offset, int k, int d) {
    return k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]);
  }

  /** The part of v that step d reads: diagonals -d..d, kept so the path can be walked back. */
  private static int[] window(int[] v, int offset, int d) {
    int[] w = new int[2 * d + 3];
    System.arraycopy(v, offset - d - 1, w, 0, w.length);
    return w;
  }

  private static List<Edit> backtrack(List<int[]> trace, int n, int m) {
    List<Edit> reversed = new ArrayList<>();
    int x = n;
    int y = m;
    for (int d = trace.size() - 1; d > 0; d--) {
      int[] w = trace.get(d);
      int woff = d + 1;
      int k = x - y;
      boolean insert = k == -d || (k != d && w[woff + k - 1] < w[woff + k + 1]);
      int prevK = insert ? k + 1 : k - 1;
      int prevX = w[woff + prevK];
      int prevY = prevX - prevK;
      while (x > prevX && y > prevY) {
        reversed.add(new Edit(Op.KEEP, --x, --y));
      }
      if (insert) {
        reversed.add(new Edit(Op.INSERT, -1, --y));
      } else {
        reversed.add(new Edit(Op.DELETE, --x, -1));
      }
    }
    while (x > 0 && y > 0) {
      reversed.add(new Edit(Op.KEEP, --x, --y));
    }
    Collections.reverse(reversed);
    return reversed;
  }
}
