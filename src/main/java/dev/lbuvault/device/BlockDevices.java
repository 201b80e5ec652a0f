package dev.lbuvault.device;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads {@link BlockDeviceInfo} from sysfs ({@code /sys/class/block/NAME}) for a device node, and
 * answers the questions {@link TargetSafety} asks about how devices are stacked: which disk a
 * partition belongs to, what a dm or md device is built from, which devices form one btrfs
 * filesystem. Both roots are injected so a test can point {@code sys} at a copy when a condition
 * (say, a dm-crypt holder on a kernel without device-mapper) cannot be made for real. Nothing here
 * opens a device: everything comes from file attributes and sysfs, so inspecting a disk can never
 * write to it or wait for a slow card.
 */
public final class BlockDevices {
  private static final int S_IFMT = 0170000;
  private static final int S_IFBLK = 0060000;
  private static final int S_IFCHR = 0020000;
  private static final int S_IFDIR = 0040000;
  private static final int S_IFREG = 0100000;
  private static final long SECTOR = 512;

  private final Path sysRoot;
  private final Path devRoot;

  public BlockDevices(Path sysRoot, Path devRoot) {
    this.sysRoot = sysRoot;
    this.devRoot = devRoot;
  }

  /**
   * Inspects the device at {@code device}, following symlinks such as {@code /dev/disk/by-id/...}.
   *
   * @throws NotABlockDeviceException if the path does not exist or is not a block device
   * @throws IOException if sysfs has no entry for the device or cannot be read
   */
  public BlockDeviceInfo inspect(Path device) throws IOException, NotABlockDeviceException {
    Path real;
    try {
      real = device.toRealPath();
    } catch (NoSuchFileException e) {
      throw new NotABlockDeviceException(device.toString(), "does not exist");
    }
    int mode = (Integer) Files.getAttribute(real, "unix:mode");
    if ((mode & S_IFMT) != S_IFBLK) {
      throw new NotABlockDeviceException(device.toString(), kindOf(mode) + ", not a block device");
    }
    long rdev = (Long) Files.getAttribute(real, "unix:rdev");
    String number = major(rdev) + ":" + minor(rdev);
    Path fileName = real.getFileName();
    String name =
        nameOfNumber(number, fileName == null ? "" : fileName.toString())
            .orElseThrow(
                () ->
                    new IOException(
                        device
                            + " is block device "
                            + number
                            + ", but "
                            + sysRoot.resolve("class/block")
                            + " has no entry for it"));
    return read(name);
  }

  /**
   * The identity of the device at {@code device} (number, size, diskseq, model, serial, loop file),
   * for checking later that the same device is still there.
   */
  public DeviceIdentity identify(Path device) throws IOException, NotABlockDeviceException {
    BlockDeviceInfo info = inspect(device);
    Path dir = classBlock(info.name());
    return new DeviceIdentity(
        readRequired(dir.resolve("dev")),
        info.sizeBytes(),
        readOptional(dir.resolve("diskseq")),
        info.model(),
        info.serial(),
        info.backingFile());
  }

  /** The number ("major:minor") of the device a path opens, e.g. a {@code /proc/self/fd} entry. */
  public static String numberOf(Path node) throws IOException {
    long rdev = (Long) Files.getAttribute(node, "unix:rdev");
    return major(rdev) + ":" + minor(rdev);
  }

  /** Reads what sysfs knows about the device called {@code name}. */
  BlockDeviceInfo read(String name) throws IOException {
    Path dir = classBlock(name);
    boolean partition = isPartition(name);
    // A partition has no removable flag, hardware identity or loop file of its own: its disk does.
    Path disk = partition ? classBlock(parentOf(name).orElse(name)) : dir;
    long sectors = Long.parseLong(readRequired(dir.resolve("size")));
    List<String> partitions = partition ? List.of() : partitionsOf(name);
    List<String> holders = new ArrayList<>(list(dir.resolve("holders")));
    for (String p : partitions) {
      for (String h : list(classBlock(p).resolve("holders"))) {
        if (!holders.contains(h)) {
          holders.add(h);
        }
      }
    }
    String backing = readOptional(disk.resolve("loop/backing_file"));
    return new BlockDeviceInfo(
        name,
        nodeOf(name),
        sectors * SECTOR,
        "1".equals(readOptional(dir.resolve("ro"))),
        "1".equals(readOptional(disk.resolve("removable"))),
        partition,
        vendorOf(disk),
        firstOf(disk.resolve("device/model"), disk.resolve("device/name")),
        firstOf(
            disk.resolve("device/serial"),
            disk.resolve("device/wwid"),
            disk.resolve("serial"),
            disk.resolve("wwid")),
        partitions,
        holders,
        backing == null ? null : Path.of(backing));
  }

  /** The whole disk a partition belongs to: its sysfs directory's parent. */
  Optional<String> parentOf(String name) throws IOException {
    if (!isPartition(name)) {
      return Optional.empty();
    }
    Path parent = classBlock(name).toRealPath().getParent();
    return Optional.ofNullable(parent).map(p -> p.getFileName().toString());
  }

  /** The device node for a sysfs name, under the configured {@code /dev}. */
  Path nodeOf(String name) {
    return devRoot.resolve(name);
  }

  boolean isPartition(String name) {
    return Files.exists(classBlock(name).resolve("partition"));
  }

  /**
   * The sysfs name of the block device a mount or swap source names, or empty if it names none (a
   * swap file, {@code tmpfs}, a device node that no longer exists). {@code /dev/mapper/NAME} is
   * also found by dm name, because without udev there may be no node for it.
   */
  Optional<String> nameOfSource(String source) throws IOException {
    if (!source.startsWith("/")) {
      return Optional.empty();
    }
    // Sources name nodes in the real /dev; a test's devRoot stands in for it.
    Path path = source.startsWith("/dev/") ? devRoot.resolve(source.substring(5)) : Path.of(source);
    if (Files.exists(path)) {
      Path real = path.toRealPath();
      int mode = (Integer) Files.getAttribute(real, "unix:mode");
      if ((mode & S_IFMT) != S_IFBLK) {
        return Optional.empty();
      }
      long rdev = (Long) Files.getAttribute(real, "unix:rdev");
      Path fileName = real.getFileName();
      return nameOfNumber(
          major(rdev) + ":" + minor(rdev), fileName == null ? "" : fileName.toString());
    }
    Path fileName = path.getFileName();
    if (fileName == null || !source.startsWith("/dev/")) {
      return Optional.empty();
    }
    if (Files.isDirectory(classBlock(fileName.toString()))) {
      return Optional.of(fileName.toString());
    }
    if (source.startsWith("/dev/mapper/")) {
      for (String candidate : list(sysRoot.resolve("class/block"))) {
        if (fileName.toString().equals(readOptional(classBlock(candidate).resolve("dm/name")))) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }

  /**
   * The sysfs name of the block device whose {@code st_dev} a file reports, for a filesystem whose
   * mount source does not name its device (the kernel's {@code /dev/root}). Empty for filesystems
   * on anonymous devices (btrfs, tmpfs, overlay) and for paths that cannot be read.
   */
  Optional<String> nameOfFilesystem(Path file) {
    try {
      long dev = (Long) Files.getAttribute(file, "unix:dev");
      return nameOfNumber(major(dev) + ":" + minor(dev), null);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * Every device that writing over {@code name} would destroy data on, {@code name} included: for a
   * partition its disk, for a dm or md device each slave (and its disk), recursively, and for a
   * member of a mounted btrfs filesystem every member, since one mount source names only one.
   */
  Set<String> devicesBeneath(String name) throws IOException {
    Set<String> seen = new LinkedHashSet<>();
    Deque<String> todo = new ArrayDeque<>();
    todo.add(name);
    todo.addAll(btrfsSiblings(name));
    while (!todo.isEmpty()) {
      String next = todo.poll();
      if (!seen.add(next)) {
        continue;
      }
      parentOf(next).ifPresent(todo::add);
      todo.addAll(list(classBlock(next).resolve("slaves")));
    }
    return seen;
  }

  /** The other members of the mounted btrfs filesystem {@code name} belongs to, if any. */
  private List<String> btrfsSiblings(String name) throws IOException {
    for (String fsid : list(sysRoot.resolve("fs/btrfs"))) {
      List<String> members = list(sysRoot.resolve("fs/btrfs").resolve(fsid).resolve("devices"));
      if (members.contains(name)) {
        return members;
      }
    }
    return List.of();
  }

  /** A holder's name with its dm name when it has one, e.g. {@code dm-0 (luks-card)}. */
  String labelOf(String name) throws IOException {
    String dmName = readOptional(classBlock(name).resolve("dm/name"));
    return dmName == null ? name : name + " (" + dmName + ")";
  }

  private List<String> partitionsOf(String name) throws IOException {
    Path dir = classBlock(name);
    List<String> partitions = new ArrayList<>();
    for (String child : list(dir)) {
      if (Files.isRegularFile(dir.resolve(child).resolve("partition"))) {
        partitions.add(child);
      }
    }
    partitions.sort(Comparator.comparingLong(this::partitionNumber).thenComparing(s -> s));
    return partitions;
  }

  private long partitionNumber(String name) {
    try {
      return Long.parseLong(readRequired(classBlock(name).resolve("partition")));
    } catch (IOException | NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }

  /**
   * Finds the device numbered {@code number} ("major:minor") through {@code /sys/dev/block}, or by
   * the node's own name, or else by scanning every device's {@code dev} file.
   */
  private Optional<String> nameOfNumber(String number, String nodeName) throws IOException {
    Path byNumber = sysRoot.resolve("dev/block").resolve(number);
    if (Files.isDirectory(byNumber)) {
      Path fileName = byNumber.toRealPath().getFileName();
      if (fileName != null && Files.isDirectory(classBlock(fileName.toString()))) {
        return Optional.of(fileName.toString());
      }
    }
    if (nodeName != null
        && !nodeName.isEmpty()
        && number.equals(readOptional(classBlock(nodeName).resolve("dev")))) {
      return Optional.of(nodeName);
    }
    for (String candidate : list(sysRoot.resolve("class/block"))) {
      if (number.equals(readOptional(classBlock(candidate).resolve("dev")))) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  private Path classBlock(String name) {
    return sysRoot.resolve("class/block").resolve(name);
  }

  /** Entry names of a sysfs directory, sorted; empty if it does not exist. */
  private static List<String> list(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        names.add(String.valueOf(entry.getFileName()));
      }
    }
    names.sort(null);
    return names;
  }

  private static String readRequired(Path file) throws IOException {
    return new String(Files.readAllBytes(file), StandardCharsets.UTF_8).trim();
  }

  /**
   * A trimmed attribute, or null if it is missing, blank or unreadable: some drivers expose
   * attributes that fail with EIO, and a missing serial must not stop a safety check.
   */
  private static String readOptional(Path file) {
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try {
      String value = readRequired(file);
      return value.isEmpty() ? null : value;
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * USB and SCSI disks name their vendor; virtio and PCI devices give a bare id such as {@code
   * 0x1af4}, which would only puzzle someone deciding whether this is their SD card.
   */
  private static String vendorOf(Path disk) {
    String vendor = readOptional(disk.resolve("device/vendor"));
    return vendor == null || vendor.matches("0x[0-9a-fA-F]+") ? null : vendor;
  }

  private static String firstOf(Path... files) {
    for (Path file : files) {
      String value = readOptional(file);
      if (value != null) {
        return value;
      }
    }
    return null;
  }

  private static String kindOf(int mode) {
    return switch (mode & S_IFMT) {
      case S_IFCHR -> "is a character device";
      case S_IFDIR -> "is a directory";
      case S_IFREG -> "is a regular file";
      default -> "is a special file";
    };
  }

  /** glibc's gnu_dev_major: the major number is split around the minor's low bits. */
  static long major(long dev) {
    return ((dev >>> 8) & 0xfffL) | ((dev >>> 32) & 0xfffff000L);
  }

  static long minor(long dev) {
    return (dev & 0xffL) | ((dev >>> 12) & 0xffffff00L);
  }
}
