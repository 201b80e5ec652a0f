package dev.lbuvault.daemon;

import dev.lbuvault.repo.HostNames;
import dev.lbuvault.uncommitted.UncommittedReport;
import dev.lbuvault.uncommitted.UncommittedSink;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refreshes the uncommitted-changes metrics ({@code lbuvault status} of the daemon's own host) when
 * the {@code status.root} key is set: run by a Quartz job every 15 minutes and after each backup,
 * never concurrently, as {@code lbuvault status --json} in a child JVM unless the daemon runs its
 * work in its own JVM ({@link RepositoryWork#uncommitted}). It logs only when the number of changes
 * moves, or when the comparison starts or stops failing, so a steady host adds no log lines.
 */
final class UncommittedRefresh {
  private static final Logger LOG = LoggerFactory.getLogger("lbuvault");

  private final RepositoryWork work;
  private final Path root;
  private final Supplier<String> host;
  private final UncommittedSink sink;
  private int lastCount = -1;
  private String lastProblem = "";

  UncommittedRefresh(RepositoryWork work, Path root, Supplier<String> host, UncommittedSink sink) {
    this.work = work;
    this.root = root;
    this.host = host;
    this.sink = sink;
  }

  /** One refresh; never throws. */
  synchronized void refresh() {
    String h = host.get();
    if (!HostNames.isValid(h)) {
      return; // no host known yet: nothing to compare with
    }
    try {
      UncommittedReport report = work.uncommitted(h, root);
      int count = report.changes().size();
      if (count != lastCount || !lastProblem.isEmpty()) {
        LOG.info(
            "uncommitted changes on {} (lbu status of {} against version {}): {}",
            h,
            root,
            report.versionId(),
            count);
      }
      lastCount = count;
      lastProblem = "";
      sink.publish(report);
    } catch (Exception e) {
      String problem = e.getMessage() == null ? e.toString() : e.getMessage();
      if (!problem.equals(lastProblem)) {
        LOG.warn("cannot tell the uncommitted changes of {}: {}", h, problem);
      }
      lastProblem = problem;
      lastCount = -1;
      sink.clear(h);
    }
  }
}
