package dev.lbuvault.device;

import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A loop device over a sparse file in a test's own directory, attached by the test and detached by
 * {@link #close} together with everything the test did to it (mounts, swap, partition nodes), so a
 * failing test cannot leave the machine with a busy loop device. Tests only ever format, mount or
 * swap on the loop devices made here: never on any other device.
 */
final class LoopDevice implements AutoCloseable {
  private final Path device;
  private final Path image;
  private final List<Path> mounts = new ArrayList<>();
  private final List<Path> swaps = new ArrayList<>();

  private LoopDevice(Path device, Path image) {
    this.device = device;
    this.image = image;
  }

  /** Attaches a fresh sparse file of {@code bytes} with extra losetup options (e.g. {@code -r}). */
  static LoopDevice create(Path dir, String fileName, long bytes, String... options)
      throws IOException {
    Tools.requireRoot();
    Tools.require("losetup");
    Tools.require("truncate");
    Path image = dir.resolve(fileName);
    Commands.check(null, "truncate", "-s", Long.toString(bytes), image.toString());
    return attach(image, options);
  }

  /** Attaches an existing image file. */
  static LoopDevice attach(Path image, String... options) throws IOException {
    Tools.requireRoot();
    Tools.require("losetup");
    List<String> cmd = new ArrayList<>(List.of("losetup"));
    cmd.addAll(List.of(options));
    cmd.addAll(List.of("--find", "--show", image.toString()));
    String device = Commands.check(null, cmd.toArray(String[]::new)).trim();
    if (!device.startsWith("/dev/loop")) {
      throw new IOException("losetup printed no loop device: " + device);
    }
    return new LoopDevice(Path.of(device), image);
  }

  Path path() {
    return device;
  }

  String name() {
    return device.getFileName().toString();
  }

  Path image() {
    return image;
  }

  /** The node of partition {@code n}, e.g. {@code /dev/loop3p1}. */
  Path partition(int n) {
    return Path.of(device + "p" + n);
  }

  /**
   * Makes the kernel create partition devices from the image's table. {@code losetup -P} does on
   * most machines; where its scan creates none (as in the sandbox this was written in), {@code
   * partx -a} adds them through BLKPG, which gives real partitions all the same.
   */
  void addPartitions() throws IOException {
    if (!Files.exists(Path.of("/sys/class/block", name() + "p1"))) {
      Commands.check(null, Tools.require("partx").toString(), "-a", device.toString());
    }
    if (!Files.exists(partition(1))) {
      throw new IOException("no partition node " + partition(1) + " after partx -a");
    }
  }

  /** Runs a mkfs program on {@code target} (this device or one of its partitions). */
  void format(Path target, String... mkfs) throws IOException {
    requireOurs(target);
    Tools.require(mkfs[0]);
    List<String> cmd = new ArrayList<>(List.of(mkfs));
    cmd.add(target.toString());
    Commands.check(null, cmd.toArray(String[]::new));
  }

  /** Mounts {@code target} (this device or one of its partitions) at {@code mountPoint}. */
  Path mount(Path target, Path mountPoint) throws IOException {
    requireOurs(target);
    Files.createDirectories(mountPoint);
    Commands.check(null, "mount", target.toString(), mountPoint.toString());
    mounts.add(mountPoint);
    return mountPoint;
  }

  void umount(Path mountPoint) throws IOException {
    Commands.check(null, "umount", mountPoint.toString());
    mounts.remove(mountPoint);
  }

  /**
   * Turns on swap on {@code target}. If the sandbox forbids swapon, skips with a loud reason, or
   * fails on CI, as {@link Tools} does for a missing tool.
   */
  void swapOn(Path target) throws IOException {
    requireOurs(target);
    Tools.require("mkswap");
    Tools.require("swapon");
    Commands.check(null, "mkswap", target.toString());
    Commands.Output on = Commands.run(null, List.of("swapon", target.toString()));
    if (on.exitCode() != 0) {
      skipOrFail("swapon is not permitted here: " + on.stderr().trim());
    }
    swaps.add(target);
  }

  /** Skips on a developer machine, fails on CI: a silently skipped check is one that never runs. */
  static void skipOrFail(String reason) {
    if ("true".equals(System.getenv("CI"))) {
      Assertions.fail(reason + "; CI=true, so this is a failure, not a skip");
    }
    System.err.println("SKIPPED: " + reason);
    Assumptions.abort("SKIPPED: " + reason);
  }

  private void requireOurs(Path target) {
    // The guard that keeps a buggy test from formatting a real disk.
    if (!target.toString().startsWith(device.toString())) {
      throw new IllegalArgumentException(target + " is not " + device + " or its partition");
    }
  }

  /** Undoes everything in reverse, trying every step even if one fails, then detaches. */
  @Override
  public void close() throws IOException {
    List<String> failures = new ArrayList<>();
    List<Path> reversed = new ArrayList<>(mounts);
    Collections.reverse(reversed);
    for (Path mountPoint : reversed) {
      if (Commands.run(null, List.of("umount", mountPoint.toString())).exitCode() != 0) {
        // Lazy unmount at least frees the loop device for losetup -d.
        Commands.run(null, List.of("umount", "-l", mountPoint.toString()));
      }
    }
    for (Path swap : swaps) {
      Commands.Output off = Commands.run(null, List.of("swapoff", swap.toString()));
      if (off.exitCode() != 0) {
        failures.add("swapoff " + swap + ": " + off.stderr().trim());
      }
    }
    if (Files.exists(Path.of("/sys/class/block", name() + "p1"))) {
      Commands.run(null, List.of("partx", "-d", device.toString()));
    }
    Commands.Output detach = Commands.run(null, List.of("losetup", "-d", device.toString()));
    if (detach.exitCode() != 0) {
      failures.add("losetup -d " + device + ": " + detach.stderr().trim());
    }
    Files.deleteIfExists(image);
    if (!failures.isEmpty()) {
      throw new IOException("cleanup failed: " + String.join("; ", failures));
    }
  }
}
