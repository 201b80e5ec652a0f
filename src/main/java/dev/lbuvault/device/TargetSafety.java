package dev.lbuvault.device;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Decides whether {@code lbuvault recover --to DEVICE} may overwrite a whole disk, before a single
 * byte is written. A wrong target is the one mistake recovery cannot undo, so every reason is
 * collected (not just the first) and each names the device and what to do. It refuses what
 * rpi-imager, balenaEtcher and bmaptool refuse: partitions, read-only media, devices that are
 * mounted, used as swap or held by dm-crypt, md or LVM, the disk holding the running system, the
 * repository or the Java running lbuvault, and disks too small for the image. Mount and swap tables
 * are injected, like the sysfs root inside {@link BlockDevices}, so tests can build conditions the
 * machine cannot.
 */
public final class TargetSafety {
  /** Larger than any SD card a Raspberry Pi is likely to boot from (balenaEtcher's threshold). */
  static final long LARGE_BYTES = 128_000_000_000L;

  private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9/._+:,=@%-]+");

  private final BlockDevices devices;
  private final Path mountinfo;
  private final Path swaps;

  public TargetSafety(BlockDevices devices, Path mountinfo, Path swaps) {
    this.devices = devices;
    this.mountinfo = mountinfo;
    this.swaps = swaps;
  }

  /**
   * All reasons not to write {@code requiredBytes} to {@code device}; empty when it is safe.
   *
   * @param protectedPaths paths that must not live on the target: "/", the repository and {@code
   *     java.home}
   */
  public List<Refusal> check(Path device, long requiredBytes, List<Path> protectedPaths)
      throws IOException {
    BlockDeviceInfo info;
    try {
      info = devices.inspect(device);
    } catch (NotABlockDeviceException e) {
      String hint =
          device.startsWith("/dev") && !Files.exists(device)
              ? "; is the card reader plugged in? (lsblk lists the disks)"
              : "; to write the image to a file instead, give a path outside /dev";
      return List.of(new Refusal(e.getMessage() + hint));
    }
    String dev = info.devicePath().toString();
    List<Refusal> refusals = new ArrayList<>();
    if (info.partition()) {
      String disk = devices.parentOf(info.name()).map(this::nodeOf).orElse("the disk it is on");
      refusals.add(new Refusal(dev + " is a partition; give the whole disk, e.g. " + disk));
    }
    if (info.readOnly()) {
      refusals.add(
          new Refusal(
              dev
                  + " is read-only; if it is an SD card, slide its lock switch away from LOCK and"
                  + " plug it in again"));
    }
    MountTable mounts = MountTable.read(mountinfo);
    mounted(info, mounts).ifPresent(refusals::add);
    swap(info).ifPresent(refusals::add);
    if (!info.holders().isEmpty()) {
      List<String> labels = new ArrayList<>();
      for (String holder : info.holders()) {
        labels.add(devices.labelOf(holder));
      }
      refusals.add(
          new Refusal(
              dev
                  + " is in use by "
                  + String.join(", ", labels)
                  + " (dm-crypt, LVM or md); release it first: cryptsetup close, vgchange -an or"
                  + " mdadm --stop"));
    }
    for (Path path : protectedPaths) {
      holds(info, mounts, path).ifPresent(refusals::add);
    }
    if (info.sizeBytes() < requiredBytes) {
      refusals.add(new Refusal(tooSmall(dev, info.sizeBytes(), requiredBytes)));
    }
    return refusals;
  }

  /**
   * Reasons to ask twice that do not refuse: an SD card reader reports removable media, and cards
   * are rarely larger than 128 GB, so either sign suggests an internal or USB disk.
   */
  public List<String> warnings(BlockDeviceInfo info) {
    List<String> warnings = new ArrayList<>();
    String dev = info.devicePath().toString();
    if (!info.removable()) {
      warnings.add(dev + " is not removable: is it really the SD card?");
    }
    if (info.sizeBytes() > LARGE_BYTES) {
      warnings.add(
          dev
              + " is "
              + human(info.sizeBytes())
              + ", larger than "
              + human(LARGE_BYTES)
              + ": is it really the SD card?");
    }
    return warnings;
  }

  /**
   * One line identifying the device before confirmation, e.g. {@code /dev/sdb: Generic STORAGE
   * DEVICE, 31.9 GB (31914983424 bytes), serial 000000001536, removable}.
   */
  public static String describe(BlockDeviceInfo info) {
    List<String> parts = new ArrayList<>();
    String identity = String.join(" ", nonNull(info.vendor(), info.model()));
    if (info.backingFile() != null) {
      identity =
          (identity.isEmpty() ? "" : identity + " ") + "loop device over " + info.backingFile();
    }
    if (!identity.isEmpty()) {
      parts.add(identity);
    }
    parts.add(human(info.sizeBytes()) + " (" + info.sizeBytes() + " bytes)");
    if (info.serial() != null) {
      parts.add("serial " + info.serial());
    }
    if (info.partition()) {
      parts.add("partition");
    }
    parts.add(info.removable() ? "removable" : "not removable");
    if (info.readOnly()) {
      parts.add("read-only");
    }
    return info.devicePath() + ": " + String.join(", ", parts);
  }

  /** Mounts of the device, its partitions, or anything stacked on them, newest first. */
  private Optional<Refusal> mounted(BlockDeviceInfo info, MountTable mounts) throws IOException {
    Map<Path, String> found = new LinkedHashMap<>();
    List<MountEntry> entries = new ArrayList<>(mounts.entries());
    // Later mounts may sit inside earlier ones, so they are listed (and unmounted) first.
    java.util.Collections.reverse(entries);
    for (MountEntry entry : entries) {
      if (found.containsKey(entry.mountPoint())) {
        continue;
      }
      for (String source : sourcesOf(entry)) {
        if (devices.devicesBeneath(source).contains(info.name())) {
          found.put(entry.mountPoint(), entry.device());
          break;
        }
      }
    }
    if (found.isEmpty()) {
      return Optional.empty();
    }
    List<String> where = new ArrayList<>();
    List<String> points = new ArrayList<>();
    found.forEach(
        (point, source) -> {
          where.add(source + " at " + point);
          points.add(shellQuote(point.toString()));
        });
    String mountedAt = info.devicePath() + " is mounted (" + String.join(", ", where) + ")";
    if (found.keySet().stream().anyMatch(point -> point.getNameCount() == 0)) {
      // Advising "umount /" would be worse than useless.
      return Optional.of(
          new Refusal(mountedAt + "; it is the running system's disk: choose another device"));
    }
    return Optional.of(
        new Refusal(
            mountedAt
                + "; unmount "
                + (points.size() == 1 ? "it" : "them")
                + " first: umount "
                + String.join(" ", points)));
  }

  /**
   * The devices behind a mount: its source, or, when the source names no device node (the kernel's
   * {@code /dev/root}), the device the mount point's {@code st_dev} reports.
   */
  private List<String> sourcesOf(MountEntry entry) throws IOException {
    Optional<String> named = devices.nameOfSource(entry.device());
    if (named.isPresent()) {
      return List.of(named.get());
    }
    if (entry.device().startsWith("/dev/")) {
      return devices.nameOfFilesystem(entry.mountPoint()).map(List::of).orElse(List.of());
    }
    return List.of();
  }

  /** Swap partitions on the device (a swap file on it is caught as a mount). */
  private Optional<Refusal> swap(BlockDeviceInfo info) throws IOException {
    List<String> lines;
    try {
      lines = Files.readAllLines(swaps, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return Optional.empty(); // no swap support in this kernel, so nothing can be swapped on
    }
    List<String> used = new ArrayList<>();
    for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
      String[] fields = line.trim().split("\\s+");
      if (fields[0].isEmpty()) {
        continue;
      }
      String file = MountTable.unescape(fields[0]);
      Optional<String> name = devices.nameOfSource(file);
      if (name.isPresent() && devices.devicesBeneath(name.get()).contains(info.name())) {
        used.add(file);
      }
    }
    if (used.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new Refusal(
            info.devicePath()
                + " is in use as swap ("
                + String.join(", ", used)
                + "); turn it off first: swapoff "
                + String.join(" ", used.stream().map(TargetSafety::shellQuote).toList())));
  }

  /** Whether the filesystem holding {@code path} lives on the device or anything built on it. */
  private Optional<Refusal> holds(BlockDeviceInfo info, MountTable mounts, Path path)
      throws IOException {
    Path target = path.toAbsolutePath().normalize();
    try {
      target = target.toRealPath();
    } catch (IOException e) {
      // A path that does not exist yet is judged by where it would be created.
    }
    Optional<MountEntry> entry = mounts.entryFor(target);
    List<String> sources = new ArrayList<>();
    if (entry.isPresent()) {
      sources.addAll(sourcesOf(entry.get()));
    }
    devices.nameOfFilesystem(target).ifPresent(sources::add);
    for (String source : sources) {
      Set<String> beneath = devices.devicesBeneath(source);
      if (beneath.contains(info.name())) {
        String mount =
            entry
                .map(e -> " (" + e.device() + " mounted at " + e.mountPoint() + ")")
                .orElse(" (on " + nodeOf(source) + ")");
        return Optional.of(
            new Refusal(
                info.devicePath()
                    + " holds "
                    + path
                    + mount
                    + ", which must survive the recovery; choose another device"));
      }
    }
    return Optional.empty();
  }

  static String tooSmall(String dev, long size, long required) {
    if (size == 0) {
      return dev + " has size 0: is a card in the reader?";
    }
    return dev
        + " is "
        + human(size)
        + " ("
        + size
        + " bytes), the image needs "
        + human(required)
        + " ("
        + required
        + " bytes): "
        + human(required - size)
        + " more; use a bigger card or --size";
  }

  /**
   * A size in decimal units as card makers and balenaEtcher use them (a "32 GB" card is 31.9 GB
   * here, which is why the exact byte count is shown alongside): one decimal below 100, none above.
   */
  static String human(long bytes) {
    String[] units = {"bytes", "kB", "MB", "GB", "TB", "PB", "EB"};
    if (bytes < 1000) {
      return bytes + " bytes";
    }
    double value = bytes;
    int unit = 0;
    while (value >= 999.95 && unit < units.length - 1) {
      value /= 1000;
      unit++;
    }
    String format = value < 99.95 ? "%.1f %s" : "%.0f %s";
    return String.format(Locale.ROOT, format, value, units[unit]);
  }

  private String nodeOf(String name) {
    return devices.nodeOf(name).toString();
  }

  private static List<String> nonNull(String... values) {
    List<String> present = new ArrayList<>();
    for (String v : values) {
      if (v != null && !v.isBlank()) {
        present.add(v.trim());
      }
    }
    return present;
  }

  private static String shellQuote(String s) {
    return SHELL_SAFE.matcher(s).matches() ? s : "'" + s.replace("'", "'\\''") + "'";
  }
}
