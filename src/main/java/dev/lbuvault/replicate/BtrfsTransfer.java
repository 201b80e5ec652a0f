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
    List<String> send = new ArrayList<>(List.of("btrfs", "send", "-q"));
    parent.ifPresent(p -> send.addAll(List.of("-p", p.toString())));
    send.add(version.toString());
    List<ProcessResult> results =
        runner.pipe(send, List.of("btrfs", "receive", "-q", targetDir.toString()));
    for (ProcessResult r : results) {
      if (!r.succeeded()) {
        throw new IOException(r.describeFailure());
      }
    }
  }
}
