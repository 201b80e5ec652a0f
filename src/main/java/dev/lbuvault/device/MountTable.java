package dev.lbuvault.device;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The mounts listed by {@code /proc/self/mountinfo}, used to find which device holds a directory
 * (the card's mount point) and whether it is mounted read-only, as lbu leaves it between commits.
 * Malformed lines are skipped rather than fatal: the kernel's format gains fields over time, and
 * one odd mount must not hide the card.
 *
 * <p>{@link #entryFor} picks the longest mount point containing the directory, the last line
 * winning among equal mount points (a later mount on the same directory hides the earlier one). It
 * does not resolve symlinks, and it assumes no later mount on an ancestor directory hides a deeper
 * one.
 */
public final class MountTable {
  private static final int MOUNT_POINT_FIELD = 4;
  private static final int OPTIONS_FIELD = 5;
  private static final int FIRST_OPTIONAL_FIELD = 6;

  private final List<MountEntry> entries;

  private MountTable(List<MountEntry> entries) {
    this.entries = List.copyOf(entries);
  }

  /** Reads a mountinfo file, normally {@code /proc/self/mountinfo}. */
  public static MountTable read(Path mountinfo) throws IOException {
    // Paths are bytes; a malformed UTF-8 name must not make the whole table unreadable.
    String text = new String(Files.readAllBytes(mountinfo), StandardCharsets.UTF_8);
    return parse(text.lines().toList());
  }

  /** Parses mountinfo lines, in the kernel's order. */
  public static MountTable parse(List<String> lines) {
    List<MountEntry> entries = new ArrayList<>();
    for (String line : lines) {
      parseLine(line).ifPresent(entries::add);
    }
    return new MountTable(entries);
  }

  /** All parsed mounts, in table order. */
  public List<MountEntry> entries() {
    return entries;
  }

  /** The mount that contains {@code dir}, which is made absolute and normalised first. */
  public Optional<MountEntry> entryFor(Path dir) {
    Path target = dir.toAbsolutePath().normalize();
    MountEntry best = null;
    for (MountEntry entry : entries) {
      if (target.startsWith(entry.mountPoint())
          && (best == null
              || entry.mountPoint().getNameCount() >= best.mountPoint().getNameCount())) {
        best = entry;
      }
    }
    return Optional.ofNullable(best);
  }

  // 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
  private static Optional<MountEntry> parseLine(String line) {
    String[] fields = line.trim().split(" +");
    int separator = Arrays.asList(fields).indexOf("-");
    if (separator < FIRST_OPTIONAL_FIELD || fields.length < separator + 3) {
      return Optional.empty();
    }
    String mountPoint = unescape(fields[MOUNT_POINT_FIELD]);
    if (!mountPoint.startsWith("/")) {
      return Optional.empty();
    }
    String fsType = unescape(fields[separator + 1]);
    String device = unescape(fields[separator + 2]);
    boolean readOnly =
        hasOption(fields[OPTIONS_FIELD], "ro")
            || (fields.length > separator + 3 && hasOption(fields[separator + 3], "ro"));
    try {
      return Optional.of(new MountEntry(Path.of(mountPoint), device, fsType, readOnly));
    } catch (InvalidPathException e) {
      return Optional.empty();
    }
  }

  private static boolean hasOption(String options, String option) {
    return Arrays.asList(options.split(",")).contains(option);
  }

  /** The kernel writes space, tab, newline and backslash in paths as {@code \ooo}. */
  static String unescape(String field) {
    StringBuilder sb = new StringBuilder(field.length());
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && i + 3 < field.length() && isByteEscape(field, i + 1)) {
        sb.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  private static boolean isByteEscape(String s, int from) {
    if (s.charAt(from) > '3') {
      return false; // above \377: not a byte, so not an escape the kernel wrote
    }
    for (int i = from; i < from + 3; i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '7') {
        return false;
      }
    }
    return true;
  }
}
