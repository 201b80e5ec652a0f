package dev.lbuvault.snapshot;

import dev.lbuvault.fs.SecureFiles;
import dev.lbuvault.process.ProcessResult;
import dev.lbuvault.process.ProcessRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * Versions as read-only btrfs snapshots of the {@code current} subvolume, made and deleted with the
 * {@code btrfs} tool. A snapshot shares every extent with {@code current}, so a version costs only
 * the blocks that changed since the previous one.
 */
public final class BtrfsBackend implements SnapshotBackend {
  private final ProcessRunner runner;

  public BtrfsBackend(ProcessRunner runner) {
    this.runner = runner;
  }

  @Override
  public String name() {
    return "btrfs";
  }

  @Override
  public void createWorkingTree(Path current) throws IOException {
    if (Files.isDirectory(current, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    SecureFiles.createPrivateDirectories(current.toAbsolutePath().getParent());
    run(List.of("btrfs", "subvolume", "create", current.toString()));
    Files.setPosixFilePermissions(current, SecureFiles.DIR_MODE);
  }

  @Override
  public void snapshot(Path current, Path target) throws IOException {
    run(List.of("btrfs", "subvolume", "snapshot", "-r", current.toString(), target.toString()));
  }

  @Override
  public void delete(Path version) throws IOException {
    if (!Files.exists(version, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (isSubvolume(version)) {
      run(List.of("btrfs", "subvolume", "delete", version.toString()));
    } else {
      SecureFiles.deleteTree(version);
    }
  }

  /** A subvolume's root directory has inode number 256 on btrfs; plain directories never do. */
  private static boolean isSubvolume(Path dir) throws IOException {
    Object ino = Files.getAttribute(dir, "unix:ino", LinkOption.NOFOLLOW_LINKS);
    return ino instanceof Long l && l == 256L;
  }

  private void run(List<String> command) throws IOException {
    ProcessResult r;
    try {
      r = runner.run(command);
    } catch (IOException e) {
      throw new IOException(
          "cannot run " + command.get(0) + " (" + e.getMessage() + "): install btrfs-progs", e);
    }
    if (!r.succeeded()) {
      throw new IOException(r.describeFailure());
    }
  }
}
