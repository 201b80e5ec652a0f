package dev.lbuvault.diff;

import dev.lbuvault.diff.LineDiff.Edit;
import dev.lbuvault.diff.LineDiff.Op;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Renders two versions of a text file as {@code diff -u} does: {@code ---}/{@code +++} headers,
 * {@code @@ -l,s +l,s @@} hunks with three lines of context, changes closer than twice the context
 * merged into one hunk, and GNU's {@code \ No newline at end of file} marker, so the output can be
 * read as usual and fed to {@code patch}.
 */
final class UnifiedDiff {
  static final int CONTEXT = 3;
  private static final String NO_NEWLINE = "\\ No newline at end of file";

  private UnifiedDiff() {}

  /**
   * The unified diff of {@code oldText} and {@code newText}, or empty if they need more than maxD
   * line edits (too different to show within bounded work).
   */
  static Optional<List<String>> of(
      String oldLabel, String newLabel, byte[] oldText, byte[] newText, int maxD) {
    Text a = Text.of(oldText);
    Text b = Text.of(newText);
    Optional<List<Edit>> script = LineDiff.edits(a.lines(), b.lines(), maxD);
    if (script.isEmpty()) {
      return Optional.empty();
    }
    List<String> out = new ArrayList<>();
    out.add("--- " + oldLabel);
    out.add("+++ " + newLabel);
    List<Edit> edits = script.get();
    int i = 0;
    while ((i = nextChange(edits, i)) < edits.size()) {
      int start = Math.max(0, i - CONTEXT);
      int end = hunkEnd(edits, i);
      appendHunk(out, edits.subList(start, end), a, b);
      i = end;
    }
    return Optional.of(out);
  }

  private static int nextChange(List<Edit> edits, int from) {
    int i = from;
    while (i < edits.size() && edits.get(i).op() == Op.KEEP) {
      i++;
    }
    return i;
  }

  /** One past the hunk's last line: trailing context after the last change it absorbs. */
  private static int hunkEnd(List<Edit> edits, int firstChange) {
    int lastChange = firstChange;
    int i = firstChange;
    while (i < edits.size()) {
      if (edits.get(i).op() != Op.KEEP) {
        lastChange = i;
        i++;
      } else if (nextChange(edits, i) - i <= 2 * CONTEXT && nextChange(edits, i) < edits.size()) {
        i = nextChange(edits, i);
      } else {
        break;
      }
    }
    return Math.min(edits.size(), lastChange + 1 + CONTEXT);
  }

  private static void appendHunk(List<String> out, List<Edit> hunk, Text a, Text b) {
    int oldStart = -1;
    int newStart = -1;
    int oldCount = 0;
    int newCount = 0;
    for (Edit e : hunk) {
      if (e.oldIndex() >= 0) {
        oldStart = oldStart < 0 ? e.oldIndex() : oldStart;
        oldCount++;
      }
      if (e.newIndex() >= 0) {
        newStart = newStart < 0 ? e.newIndex() : newStart;
        newCount++;
      }
    }
    // With three lines of context a side is empty only when its file is: GNU diff says "-0,0".
    out.add("@@ -" + range(oldStart + 1, oldCount) + " +" + range(newStart + 1, newCount) + " @@");
    for (Edit e : hunk) {
      switch (e.op()) {
        case KEEP -> addLine(out, ' ', a.lines().get(e.oldIndex()));
        case DELETE -> addLine(out, '-', a.lines().get(e.oldIndex()));
        case INSERT -> addLine(out, '+', b.lines().get(e.newIndex()));
      }
    }
  }

  private static void addLine(List<String> out, char mark, String line) {
    if (line.endsWith(Text.NO_FINAL_NEWLINE)) {
      out.add(mark + line.substring(0, line.length() - 1));
      out.add(NO_NEWLINE);
    } else {
      out.add(mark + line);
    }
  }

  private static String range(int start, int count) {
    return count == 1 ? Integer.toString(start) : start + "," + count;
  }

  /**
   * A file's lines, split on '\n'. A last line without a newline carries a NUL mark, so that it
   * differs from the same text with a newline (as it does for diff) and is printed with GNU's
   * marker; a NUL cannot occur otherwise, because files holding one are compared as binary.
   */
  record Text(List<String> lines) {
    static final String NO_FINAL_NEWLINE = "\0";

    static Text of(byte[] bytes) {
      String s = new String(bytes, StandardCharsets.UTF_8);
      List<String> lines = new ArrayList<>();
      int from = 0;
      for (int nl = s.indexOf('\n'); nl >= 0; nl = s.indexOf('\n', from)) {
        lines.add(s.substring(from, nl));
        from = nl + 1;
      }
      if (from < s.length()) {
        lines.add(s.substring(from) + NO_FINAL_NEWLINE);
      }
      return new Text(lines);
    }
  }
}
