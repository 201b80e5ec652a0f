package dev.lbuvault.device;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A copy of the real sysfs entry of one block device, laid out as the kernel lays it out ({@code
 * devices/virtual/block/NAME}, linked from {@code class/block} and {@code dev/block}), to which a
 * test adds what the kernel it runs on cannot make: a device-mapper holder when device-mapper is
 * not built in. Only that added part is fake; sizes, flags and numbers are the real device's.
 */
final class SysfsCopy {
  /** The fake dm device's number; it exists only inside the copy and is never opened. */
  static final String FAKE_DM_NUMBER = "252:4000";

  private final Path root;

  private SysfsCopy(Path root) {
    this.root = root;
  }

  Path root() {
    return root;
  }

  /** Copies {@code /sys/class/block/NAME}'s attribute files, loop/ and holders/ and slaves/. */
  static SysfsCopy of(Path dir, String name) throws IOException {
    SysfsCopy copy = new SysfsCopy(dir.resolve("sys"));
    Path real = Path.of("/sys/class/block", name).toRealPath();
    Path target = copy.deviceDir(name);
    Files.createDirectories(target);
    copyFiles(real, target);
    if (Files.isDirectory(real.resolve("loop"))) {
      Files.createDirectories(target.resolve("loop"));
      copyFiles(real.resolve("loop"), target.resolve("loop"));
    }
    Files.createDirectories(target.resolve("holders"));
    Files.createDirectories(target.resolve("slaves"));
    copy.link(name, Files.readString(real.resolve("dev")).trim());
    return copy;
  }

  /** Adds a dm device called {@code dmName} built on {@code slave}, as dmsetup would. */
  void addDmHolder(String slave, String holder, String dmName) throws IOException {
    Path dm = deviceDir(holder);
    Files.createDirectories(dm.resolve("dm"));
    Files.createDirectories(dm.resolve("holders"));
    Files.createDirectories(dm.resolve("slaves"));
    Files.writeString(dm.resolve("dev"), FAKE_DM_NUMBER + "\n");
    Files.writeString(dm.resolve("size"), Files.readString(deviceDir(slave).resolve("size")));
    Files.writeString(dm.resolve("ro"), "0\n");
    Files.writeString(dm.resolve("removable"), "0\n");
    Files.writeString(dm.resolve("dm/name"), dmName + "\n");
    Files.createSymbolicLink(dm.resolve("slaves").resolve(slave), Path.of("../..", slave));
    Files.createSymbolicLink(
        deviceDir(slave).resolve("holders").resolve(holder), Path.of("../..", holder));
    link(holder, FAKE_DM_NUMBER);
  }

  private Path deviceDir(String name) {
    return root.resolve("devices/virtual/block").resolve(name);
  }

  private void link(String name, String number) throws IOException {
    Files.createDirectories(root.resolve("class/block"));
    Files.createDirectories(root.resolve("dev/block"));
    Path relative = Path.of("../../devices/virtual/block", name);
    Files.createSymbolicLink(root.resolve("class/block").resolve(name), relative);
    Files.createSymbolicLink(root.resolve("dev/block").resolve(number), relative);
  }

  /** Copies the readable regular files of a sysfs directory; some attributes are write-only. */
  private static void copyFiles(Path from, Path to) throws IOException {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(from)) {
      for (Path entry : entries) {
        if (Files.isRegularFile(entry, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          try {
            Files.write(to.resolve(entry.getFileName().toString()), Files.readAllBytes(entry));
          } catch (IOException e) {
            // unreadable attribute (EIO, EPERM): the code under test treats it as absent anyway
          }
        }
      }
    }
  }
}
