package dev.lbuvault.daemon;

import dev.lbuvault.retention.RetentionPolicy;
import dev.lbuvault.uncommitted.UncommittedReport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How the daemon verifies, prunes and replicates a host's versions and compares its root with the
 * newest one: in its own JVM ({@link InProcessWork}) or as {@code lbuvault verify}, {@code prune},
 * {@code replicate} and {@code status} with {@code --json} in a child JVM ({@link ChildWork}); both
 * give the same summaries, so the logs, state file and metrics do not depend on where the work ran.
 * Failures: an {@code InterruptedIOException} when the daemon's stop interrupted the work, any
 * other exception for a failed run.
 */
interface RepositoryWork {
  /** Verifies every version of {@code host} under shared read locks, recording damage found. */
  VerifySummary verify(String host) throws Exception;

  /** Removes the versions of {@code host} that {@code policy} does not keep. */
  PruneSummary prune(String host, RetentionPolicy policy, Duration lockWait) throws Exception;

  /**
   * Copies the versions of {@code host} that {@code target} lacks, then applies its {@code keep.*}
   * rules there. A local target must already be a repository: it is never created. A run the target
   * refused (e.g. a prune the far key may not make) is an exception.
   */
  ReplicaSummary replicate(ReplicaSettings target, String host, Duration lockWait) throws Exception;

  /** What {@code lbu commit} on {@code root} would save that the newest version of host lacks. */
  UncommittedReport uncommitted(String host, Path root) throws Exception;

  /**
   * One verify, as the daemon logs and counts it.
   *
   * @param versions how many versions were checked
   * @param problems one line per problem, each starting with its version id and a space
   * @param heal whether damaged files were recorded for the next backup to re-read from the card
   * @param nextStep what the user should do next, if anything
   */
  record VerifySummary(
      int versions,
      long files,
      long bytes,
      List<String> problems,
      boolean heal,
      Optional<String> nextStep) {
    public VerifySummary {
      problems = List.copyOf(problems);
    }

    /** The id of the version a problem line is about. */
    static String versionOf(String problem) {
      int space = problem.indexOf(' ');
      return space < 0 ? problem : problem.substring(0, space);
    }
  }

  /**
   * One prune.
   *
   * @param versions how many versions the retention rules looked at
   * @param removed how many of them were removed
   * @param busy the ids of versions it should have removed but kept because a reader held them
   */
  record PruneSummary(int versions, long removed, List<String> busy) {
    public PruneSummary {
      busy = List.copyOf(busy);
    }
  }

  /**
   * One host's replication to one target.
   *
   * @param sent how many versions were sent
   * @param alreadyThere how many the target held already
   * @param removed how many the target's retention removed there
   * @param failures one line per version that could not be sent
   */
  record ReplicaSummary(int sent, int alreadyThere, long removed, List<String> failures) {
    public ReplicaSummary {
      failures = List.copyOf(failures);
      if (sent < 0 || alreadyThere < 0 || removed < 0) {
        throw new IllegalArgumentException(
            "counts must be >= 0: sent "
                + sent
                + ", there "
                + alreadyThere
                + ", removed "
                + removed);
      }
    }

    boolean ok() {
      return failures.isEmpty();
    }

    /** How many versions of the host the target holds now. */
    long held() {
      return Math.max(0, (long) alreadyThere + sent - removed);
    }
  }
}
