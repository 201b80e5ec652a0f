package dev.lbuvault.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real btrfs filesystem in an image file, mounted through a loop device for one test class and
 * removed afterwards. Needs root and btrfs-progs (see {@link Tools}).
 */
public final class BtrfsLoop implements AutoCloseable {
  private final Path image;
  private final Path mountPoint;

  private BtrfsLoop(Path image, Path mountPoint) {
    this.image = image;
    this.mountPoint = mountPoint;
  }

  public static BtrfsLoop create(Path workDir, long megabytes) throws IOException {
    Tools.requireRoot();
    Tools.require("mkfs.btrfs");
    Tools.require("btrfs");
    Tools.require("mount");
    Path image = workDir.resolve("btrfs.img");
    Path mnt = workDir.resolve("mnt");
    Files.createDirectories(mnt);
    Commands.check(null, "truncate", "-s", megabytes + "M", image.toString());
    Commands.check(null, "mkfs.btrfs", "-q", "-f", image.toString());
    Commands.check(null, "mount", "-o", "loop", image.toString(), mnt.toString());
    return new BtrfsLoop(image, mnt);
  }

  public Path mountPoint() {
    return mountPoint;
  }

  @Override
  public void close() throws IOException {
    Commands.Output o = Commands.run(null, java.util.List.of("umount", mountPoint.toString()));
    if (o.exitCode() != 0) {
      Commands.run(null, java.util.List.of("umount", "-l", mountPoint.toString()));
    }
    Files.deleteIfExists(image);
  }
}
