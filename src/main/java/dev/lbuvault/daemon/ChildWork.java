package dev.lbuvault.daemon;

import dev.lbuvault.json.JsonException;
import dev.lbuvault.json.JsonObject;
import dev.lbuvault.retention.DurationParser;
import dev.lbuvault.retention.RetentionPolicy;
import dev.lbuvault.ssh.SshCommand;
import dev.lbuvault.uncommitted.Change;
import dev.lbuvault.uncommitted.UncommittedReport;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Verify, prune, replication and the uncommitted-changes comparison as {@code lbuvault verify},
 * {@code prune}, {@code replicate} and {@code status}, each with {@code --json}, in a child JVM
 * ({@link ChildCommand}): the daemon then never hashes a repository under its own C1-only compiler
 * (C2's SHA-256 intrinsic hashes about ten times faster on x86) nor keeps what the work loaded (the
 * replication's send/receive and tree-copy classes, the apkovl reader of status). No password goes
 * to verify: the daemon's verify checks stored bytes only, not an encrypted apkovl's inner content;
 * status gets the password file's path, never the password.
 */
final class ChildWork implements RepositoryWork {
  /** {@code ExitCodes.DAMAGED} of the command line: verify found problems (and printed them). */
  static final int DAMAGED_EXIT = 4;

  /** {@code ExitCodes.FAILURE}: replicate could not send a version (and printed its JSON). */
  static final int FAILURE_EXIT = 1;

  /** status's exit for "there are uncommitted changes" (its JSON lists them). */
  static final int CHANGES_EXIT = 1;

  private final ChildCommand lbuvault;
  private final Path repo;
  private final Optional<Path> passwordFile;

  ChildWork(List<String> lbuvault, Path repo) {
    this(lbuvault, repo, Optional.empty());
  }

  /**
   * @param passwordFile the apkovl password's file, passed to {@code status} only
   */
  ChildWork(List<String> lbuvault, Path repo, Optional<Path> passwordFile) {
    this.lbuvault = new ChildCommand(lbuvault);
    this.repo = repo;
    this.passwordFile = passwordFile;
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
      throw unreadable("verify", exit, e);
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
      throw unreadable("prune", exit, e);
    }
  }

  /**
   * Exit 1 with a JSON document is a run in which some version could not be sent; any other failure
   * (the target is not a repository, ssh refused the login or the prune) is an exception carrying
   * the child's one-line error.
   */
  @Override
  public ReplicaSummary replicate(ReplicaSettings target, String host, Duration lockWait)
      throws IOException {
    ChildCommand.Exit exit = lbuvault.run(replicateArguments(target, host, lockWait));
    if (exit.code() != 0 && exit.code() != FAILURE_EXIT) {
      throw new IOException(exit.error("replicate"));
    }
    try {
      JsonObject o = JsonObject.parse(exit.stdout());
      long removed = 0;
      for (JsonObject h : o.objects("retention")) {
        removed += h.strings("removed").size();
      }
      return new ReplicaSummary(
          o.objects("sent").size(),
          Math.toIntExact(o.number("alreadyThere")),
          removed,
          o.strings("failures"));
    } catch (JsonException | IllegalArgumentException | ArithmeticException e) {
      throw unreadable("replicate", exit, e);
    }
  }

  /** Exit 0 (nothing uncommitted) or 1 (changes) print the JSON; 2 is trouble, named on stderr. */
  @Override
  public UncommittedReport uncommitted(String host, Path root) throws IOException {
    ChildCommand.Exit exit = lbuvault.run(statusArguments(host, root));
    if (exit.code() != 0 && exit.code() != CHANGES_EXIT) {
      throw new IOException(exit.error("status"));
    }
    try {
      JsonObject o = JsonObject.parse(exit.stdout());
      List<Change> changes = new ArrayList<>();
      for (JsonObject c : o.objects("changes")) {
        changes.add(
            new Change(
                kind(c.string("change")), c.string("path"), Instant.parse(c.string("changedAt"))));
      }
      return new UncommittedReport(
          o.string("host"), o.string("version"), o.string("apkovl"), changes);
    } catch (JsonException | IllegalArgumentException | DateTimeParseException e) {
      throw unreadable("status", exit, e);
    }
  }

  private static Change.Kind kind(String letter) throws JsonException {
    for (Change.Kind k : Change.Kind.values()) {
      if (letter.equals(String.valueOf(k.letter()))) {
        return k;
      }
    }
    throw new JsonException("unknown change \"" + letter + "\"");
  }

  /** Only paths, options and the key file's path: never a password. */
  List<String> replicateArguments(ReplicaSettings target, String host, Duration lockWait) {
    List<String> c = new ArrayList<>();
    c.addAll(List.of("replicate", "--json", "--repo", repo.toString(), "--to", target.to()));
    c.addAll(List.of("--host", host, "--lock-wait", lockWait.toString()));
    if (target.ssh().isPresent()) {
      SshCommand ssh = target.ssh().get();
      ssh.identity().ifPresent(f -> c.addAll(List.of("--ssh-identity", f.toString())));
      ssh.options().forEach(o -> c.addAll(List.of("--ssh-option", o)));
    } else {
      c.add("--no-create");
    }
    keepArguments(c, target.keep());
    return c;
  }

  List<String> statusArguments(String host, Path root) {
    List<String> c = new ArrayList<>();
    c.addAll(List.of("status", "--json", "--repo", repo.toString(), "--host", host));
    c.addAll(List.of("--root", root.toString()));
    passwordFile.ifPresent(f -> c.addAll(List.of("--password-file", f.toString())));
    return c;
  }

  /** One hashing thread, as in the daemon: a weekly verify may take longer, the Pi stays usable. */
  List<String> verifyArguments(String host) {
    return List.of("verify", "--json", "--repo", repo.toString(), "--host", host, "--threads", "1");
  }

  List<String> pruneArguments(String host, RetentionPolicy policy, Duration lockWait) {
    List<String> c = new ArrayList<>();
    c.addAll(List.of("prune", "--json", "--repo", repo.toString(), "--host", host));
    c.addAll(List.of("--lock-wait", lockWait.toString()));
    keepArguments(c, policy);
    return c;
  }

  /** The {@code --keep-*} options of {@code policy}'s rules that are on. */
  private static void keepArguments(List<String> c, RetentionPolicy policy) {
    keep(c, "--keep-last", policy.keepLast());
    keep(c, "--keep-daily", policy.keepDaily());
    keep(c, "--keep-weekly", policy.keepWeekly());
    keep(c, "--keep-monthly", policy.keepMonthly());
    keep(c, "--keep-yearly", policy.keepYearly());
    if (!policy.keepWithin().isZero()) {
      c.addAll(List.of("--keep-within", DurationParser.format(policy.keepWithin())));
    }
  }

  private static void keep(List<String> c, String option, int count) {
    if (count > 0) {
      c.addAll(List.of(option, Integer.toString(count)));
    }
  }

  /**
   * A child's output that is not its JSON result. A child that also exited non-zero failed before
   * its result (exit 1 is as well how any command reports an internal error): its own line on
   * stderr says why, not the missing JSON.
   */
  private static IOException unreadable(String name, ChildCommand.Exit exit, Exception e) {
    if (exit.code() != 0) {
      return new IOException(exit.error(name), e);
    }
    return new IOException(
        "the " + name + "'s child process printed an unreadable result: " + e, e);
  }
}
