package dev.lbuvault.daemon;

import dev.lbuvault.json.JsonException;
import dev.lbuvault.json.JsonObject;
import dev.lbuvault.retention.DurationParser;
import dev.lbuvault.retention.RetentionPolicy;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Verify and prune as {@code lbuvault verify --json} and {@code lbuvault prune --json} in a child
 * JVM ({@link ChildCommand}): the daemon then never hashes a repository under its own C1-only
 * compiler (C2's SHA-256 intrinsic hashes about ten times faster on x86) nor keeps what the work
 * loaded. No password goes to verify: the daemon's verify checks stored bytes only, not an
 * encrypted apkovl's inner content.
 */
final class ChildWork implements RepositoryWork {
  /** {@code ExitCodes.DAMAGED} of the command line: verify found problems (and printed them). */
  static final int DAMAGED_EXIT = 4;

  private final ChildCommand lbuvault;
  private final Path repo;

  ChildWork(List<String> lbuvault, Path repo) {
    this.lbuvault = new ChildCommand(lbuvault);
    this.repo = repo;
  }

  @Override
  public VerifySummary verify(String host) throws IOException {
    ChildCommand.Exit exit = lbuvault.run(verifyArguments(host));
    if (exit.code() != 0 && exit.code() != DAMAGED_EXIT) {
      throw new IOException(exit.error("verify"));
    }
    try {
      JsonObject o = JsonObject.parse(exit.stdout());
      return new VerifySummary(
          Math.toIntExact(o.number("versions")),
          o.number("files"),
          o.number("bytes"),
          o.strings("problems"),
          o.bool("heal"),
          Optional.ofNullable(o.stringOrNull("next")));
    } catch (JsonException | IllegalArgumentException | ArithmeticException e) {
      throw unreadable("verify", e);
    }
  }

  @Override
  public PruneSummary prune(String host, RetentionPolicy policy, Duration lockWait)
      throws IOException {
    ChildCommand.Exit exit = lbuvault.run(pruneArguments(host, policy, lockWait));
    if (exit.code() != 0) {
      throw new IOException(exit.error("prune"));
    }
    try {
      JsonObject o = JsonObject.parse(exit.stdout());
      return new PruneSummary(
          Math.toIntExact(o.number("versions")), o.number("removed"), o.strings("busy"));
    } catch (JsonException | IllegalArgumentException | ArithmeticException e) {
      throw unreadable("prune", e);
    }
  }

  /** One hashing thread, as in the daemon: a weekly verify may take longer, the Pi stays usable. */
  List<String> verifyArguments(String host) {
    return List.of("verify", "--json", "--repo", repo.toString(), "--host", host, "--threads", "1");
  }

  List<String> pruneArguments(String host, RetentionPolicy policy, Duration lockWait) {
    List<String> c = new ArrayList<>();
    c.addAll(List.of("prune", "--json", "--repo", repo.toString(), "--host", host));
    c.addAll(List.of("--lock-wait", lockWait.toString()));
    keep(c, "--keep-last", policy.keepLast());
    keep(c, "--keep-daily", policy.keepDaily());
    keep(c, "--keep-weekly", policy.keepWeekly());
    keep(c, "--keep-monthly", policy.keepMonthly());
    keep(c, "--keep-yearly", policy.keepYearly());
    if (!policy.keepWithin().isZero()) {
      c.addAll(List.of("--keep-within", DurationParser.format(policy.keepWithin())));
    }
    return c;
  }

  private static void keep(List<String> c, String option, int count) {
    if (count > 0) {
      c.addAll(List.of(option, Integer.toString(count)));
    }
  }

  private static IOException unreadable(String name, Exception e) {
    return new IOException(
        "the " + name + "'s child process printed an unreadable result: " + e, e);
  }
}
