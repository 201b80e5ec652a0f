package dev.lbuvault.prune;

import dev.lbuvault.retention.RetentionDecision;
import java.util.List;

/**
 * What one prune did: the retention decisions (newest first) and the versions it should have
 * removed but kept because a reader ({@code recover}, {@code verify}, {@code show}) still held them
 * when {@code --lock-wait} ran out.
 */
public record PruneOutcome(List<RetentionDecision> decisions, List<String> busy) {
  public PruneOutcome {
    decisions = List.copyOf(decisions);
    busy = List.copyOf(busy);
  }

  /** Versions actually removed (or that a dry run would remove). */
  public long removed() {
    return decisions.stream().filter(d -> !d.keep()).count() - busy.size();
  }

  /** Whether {@code d} is a removal that was skipped because the version was being read. */
  public boolean skipped(RetentionDecision d) {
    return !d.keep() && busy.contains(d.version().id());
  }
}
