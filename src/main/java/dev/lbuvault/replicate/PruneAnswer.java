package dev.lbuvault.replicate;

import dev.lbuvault.prune.PruneOutcome;
import dev.lbuvault.repo.VersionId;
import dev.lbuvault.retention.RetentionDecision;
import dev.lbuvault.retention.VersionRef;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What the far side of an ssh replication tells the near side after a prune request: each of the
 * host's versions kept (with the reasons, as prune prints them), removed, or left because a reader
 * held it. Tab-separated lines, newest first:
 *
 * <pre>
 * lbuvault-prune 1
 * keep	ID	REASON	REASON...
 * remove	ID
 * busy	ID
 * </pre>
 *
 * A {@code busy} line follows the {@code remove} line of a version that was to be removed but was
 * being read there.
 */
final class PruneAnswer {
  private static final String HEADER = "lbuvault-prune 1";

  private PruneAnswer() {}

  /** The lines the far side prints for {@code outcome}. */
  static String write(PruneOutcome outcome) {
    StringBuilder b = new StringBuilder(HEADER).append('\n');
    for (RetentionDecision d : outcome.decisions()) {
      b.append(d.keep() ? "keep" : "remove").append('\t').append(d.version().id());
      for (String reason : d.reasons()) {
        b.append('\t').append(reason.replace('\t', ' ').replace('\n', ' '));
      }
      b.append('\n');
    }
    for (String busy : outcome.busy()) {
      b.append("busy\t").append(busy).append('\n');
    }
    return b.toString();
  }

  /**
   * Reads what {@link #write} printed.
   *
   * @throws IOException naming {@code from} when the text is not such an answer
   */
  static PruneOutcome parse(String text, String from) throws IOException {
    List<String> lines = text.lines().toList();
    if (lines.isEmpty() || !HEADER.equals(lines.get(0))) {
      throw new IOException(
          from
              + " did not answer a prune as lbuvault receive does (expected \""
              + HEADER
              + "\"); is its lbuvault as new as this one?");
    }
    List<RetentionDecision> decisions = new ArrayList<>();
    List<String> busy = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] w = line.split("\t", -1);
      if (w.length < 2 || !VersionId.isValid(w[1])) {
        throw malformed(from, line);
      }
      VersionId id = new VersionId(w[1]);
      switch (w[0]) {
        case "keep" -> {
          if (w.length < 3) {
            throw malformed(from, line);
          }
          decisions.add(new RetentionDecision(ref(id), true, List.of(w).subList(2, w.length)));
        }
        case "remove" -> {
          if (w.length != 2) {
            throw malformed(from, line);
          }
          decisions.add(new RetentionDecision(ref(id), false, List.of()));
        }
        case "busy" -> busy.add(id.value());
        default -> throw malformed(from, line);
      }
    }
    return new PruneOutcome(decisions, busy);
  }

  private static VersionRef ref(VersionId id) {
    return new VersionRef(id.value(), id.time());
  }

  private static IOException malformed(String from, String line) {
    return new IOException(
        from + " sent a malformed prune line: \"" + line.replace('\t', ' ') + "\"");
  }
}
