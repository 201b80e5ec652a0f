package dev.lbuvault.kernel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The guest's report, per disk: partition 1 as the kernel's MBR parser saw it, and what its vfat
 * driver listed. Paths are relative to the partition's root ({@code ""} is the root itself). {@code
 * found} maps each {@code UUID=}/{@code LABEL=} spec to the device busybox's findfs resolved it to
 * ({@code none} if nothing). {@code nlplug} holds, per disk, what mkinitfs's nlplug-findfs found
 * with that disk alone attached.
 */
record GuestReport(
    Map<String, Disk> disks,
    Map<String, String> found,
    Map<String, Nlplug> nlplug,
    List<String> kernelMessages,
    boolean complete) {

  /**
   * One run of nlplug-findfs: its exit code, the name the disk had while alone ({@code vda}...),
   * and the lines of its apkovl list ({@code -a}) and boot repository list ({@code -b}).
   */
  record Nlplug(int exitCode, String device, List<String> apkovls, List<String> repositories) {}

  /** One disk: partition 1's first sector and length, its files' SHA-256, its directories. */
  record Disk(
      long startSector,
      long sectors,
      Map<String, String> sha256,
      Set<String> directories,
      List<String> errors) {}

  static GuestReport parse(String text) {
    Map<String, Disk> disks = new LinkedHashMap<>();
    Map<String, String> found = new TreeMap<>();
    Map<String, Nlplug> nlplug = new LinkedHashMap<>();
    List<String> kernel = new ArrayList<>();
    boolean complete = false;
    Disk disk = null;
    Nlplug run = null;
    for (String raw : text.split("\n", -1)) {
      String line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
      if (line.startsWith("DISK ")) {
        disk = new Disk(-1, -1, new TreeMap<>(), new TreeSet<>(), new ArrayList<>());
        disks.put(line.substring(5), disk);
      } else if (line.startsWith("FIND ") && line.indexOf(' ', 5) > 0) {
        int space = line.indexOf(' ', 5);
        found.put(line.substring(5, space), line.substring(space + 1));
      } else if (line.matches("NLPLUG \\S+ \\d+ \\S+")) {
        String[] f = line.split(" ");
        run = new Nlplug(Integer.parseInt(f[2]), f[3], new ArrayList<>(), new ArrayList<>());
        nlplug.put(f[1], run);
        disk = null;
      } else if (run != null && line.startsWith("APKOVL ")) {
        run.apkovls().add(line.substring(7));
      } else if (run != null && line.startsWith("REPO ")) {
        run.repositories().add(line.substring(5));
      } else if (line.startsWith("K ")) {
        kernel.add(line.substring(2));
      } else if (line.equals("END")) {
        complete = true;
      } else if (disk != null) {
        disk = addTo(disk, line);
        disks.put(lastKey(disks), disk);
      } else if (!line.isEmpty()) {
        kernel.add("unexpected report line: " + line);
      }
    }
    return new GuestReport(disks, found, nlplug, kernel, complete);
  }

  private static Disk addTo(Disk disk, String line) {
    if (line.startsWith("PART ")) {
      String[] f = line.split(" ");
      return new Disk(
          Long.parseLong(f[1]),
          Long.parseLong(f[2]),
          disk.sha256(),
          disk.directories(),
          disk.errors());
    }
    if (line.startsWith("D ./")) {
      disk.directories().add(line.substring(4));
    } else if (line.startsWith("F ") && line.length() > 70 && line.startsWith("  ./", 66)) {
      disk.sha256().put(line.substring(70), line.substring(2, 66));
    } else if (!line.equals("D .") && !line.isEmpty()) {
      // ERROR, O (neither file nor directory) or anything malformed
      disk.errors().add(line);
    }
    return disk;
  }

  private static String lastKey(Map<String, Disk> disks) {
    String last = null;
    for (String k : disks.keySet()) {
      last = k;
    }
    return last;
  }
}
