package dev.lbuvault.replicate;

import dev.lbuvault.process.ProcessResult;
import dev.lbuvault.process.ProcessRunner;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code btrfs} commands replication runs: {@code subvolume show} to pair versions, and {@code
 * send [-p PARENT] | receive} to copy one, incrementally when a parent is shared.
 */
final class BtrfsTransfer {
  private final ProcessRunner runner;

  BtrfsTransfer(ProcessRunner runner) {
    this.runner = runner;
  }

  SubvolumeInfo show(Path subvolume) throws IOException {
    ProcessResult r = runner.run(List.of("btrfs", "subvolume", "show", subvolume.toString()));
    if (!r.succeeded()) {
      throw new IOException(r.describeFailure());
    }
    try {
      return SubvolumeInfo.parse(r.stdout());
    } catch (IllegalArgumentException e) {
      throw new IOException(subvolume + " is not a btrfs subvolume (" + e.getMessage() + ")", e);
    }
  }

  /** Sends {@code version} into {@code targetDir}, from {@code parent} when given. */
  void sendReceive(Path version, Optional<Path> parent, Path targetDir) throws IOException {
    check(
        runner.pipe(
            sendCommand(version, parent), List.of("btrfs", "receive", "-q", targetDir.toString())));
  }

  /**
   * {@code btrfs send [-p PARENT] VERSION [| zstd] | remote...}: the stream crosses to a command
   * that receives it on the far side (ssh running {@code lbuvault receive}).
   */
  void sendTo(Path version, Optional<Path> parent, boolean zstd, List<String> remote)
      throws IOException {
    List<List<String>> stages = new ArrayList<>();
    stages.add(sendCommand(version, parent));
    if (zstd) {
      stages.add(List.of("zstd", "-q", "-c"));
    }
    stages.add(remote);
    List<ProcessResult> results = runner.pipeline(stages, ProcessRunner.Input.NONE);
    // The far side's own message says more than the send's broken pipe that follows from it.
    ProcessResult far = results.get(results.size() - 1);
    if (!far.succeeded()) {
      throw new FarSideFailed(far);
    }
    check(results);
  }

  /** The command that carried the stream to the far side failed; its result says how. */
  static final class FarSideFailed extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient ProcessResult result;

    FarSideFailed(ProcessResult result) {
      super(result.describeFailure());
      this.result = result;
    }

    ProcessResult result() {
      return result;
    }
  }

  /**
   * {@code [zstd -d |] btrfs receive DIR} reading this process's standard input: the far side of
   * {@link #sendTo}.
   */
  void receiveStdin(Path dir, boolean zstd) throws IOException {
    List<List<String>> stages = new ArrayList<>();
    if (zstd) {
      stages.add(List.of("zstd", "-d", "-q", "-c"));
    }
    stages.add(List.of("btrfs", "receive", "-q", dir.toString()));
    check(runner.pipeline(stages, ProcessRunner.Input.INHERIT));
  }

  private static List<String> sendCommand(Path version, Optional<Path> parent) {
    List<String> send = new ArrayList<>(List.of("btrfs", "send", "-q"));
    parent.ifPresent(p -> send.addAll(List.of("-p", p.toString())));
    send.add(version.toString());
    return send;
  }

  /**
   * Fails naming the last stage that failed: when a receiver fails (a full target, a kill) the
   * stages before it only die of the broken pipe (exit 141), which would hide the cause.
   */
  private static void check(List<ProcessResult> results) throws IOException {
    for (int i = results.size() - 1; i >= 0; i--) {
      ProcessResult r = results.get(i);
      if (!r.succeeded()) {
        throw new IOException(r.describeFailure());
      }
    }
  }
}
