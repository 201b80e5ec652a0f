package dev.lbuvault.device;

import java.nio.file.Path;

/**
 * The kernel's interfaces lbuvault reads to learn about disks and mounts. They live in one place so
 * that everything else receives them as parameters (and tests can point them elsewhere).
 */
public final class LinuxPaths {
  /** sysfs, for block-device facts. */
  public static final Path SYS = Path.of("/sys");

  /** devtmpfs, for device nodes. */
  public static final Path DEV = Path.of("/dev");

  /** This process's view of the mount table. */
  public static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

  /** Active swap areas. */
  public static final Path SWAPS = Path.of("/proc/swaps");

  /** The root of the running system, which a recovery must never overwrite. */
  public static final Path ROOT = Path.of("/");

  private LinuxPaths() {}
}
