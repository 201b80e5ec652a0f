package dev.lbuvault.archive;

import java.util.HashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

/**
 * What the initramfs's {@code tar -C / -zxf} (GNU or busybox, as root) would make of the members
 * seen so far, reduced to what matters for safety: which paths are symbolic links and which are
 * files. A name with no {@code ..} can still land outside its directory when an earlier member made
 * one of its directories a symbolic link ({@code etc/x -> ../../..}, then {@code etc/x/tmp/pwned});
 * extractors follow such links. So every member is checked against the links before it, whatever
 * their targets (a link's own target may be absolute: {@code etc/localtime} and {@code
 * etc/apk/cache} are, in every real apkovl). The rule:
 *
 * <ul>
 *   <li>no member below a path an earlier member made a symbolic link;
 *   <li>no member other than another symbolic link at such a path (a directory member there would
 *       have its owner and mode applied through the link);
 *   <li>a hard link names an earlier file, link or symbolic-link member of the same archive (GNU
 *       tar and busybox only ever write those), never a path below a symbolic link;
 *   <li>no character or block device and no FIFO: lbu's {@code apk audit} lists files, directories
 *       and links only, and a device node extracted as root is raw access to a disk or to memory.
 * </ul>
 *
 * Memory is bounded: the paths kept cost at most {@link #MAX_TRACKED_BYTES}.
 */
final class MemberTree {
  /** Budget for the kept paths; real apkovls need a few hundred KiB. */
  static final long MAX_TRACKED_BYTES = 16L << 20;

  /** What a kept path costs besides its characters: the map's node, key and value objects. */
  private static final int PER_PATH_OVERHEAD = 64;

  private enum Kind {
    FILE,
    SYMLINK
  }

  private final Map<String, Kind> paths = new HashMap<>();
  private long trackedBytes;

  /**
   * Checks one member (whose name has already passed the {@code ..} and absolute-name checks) and
   * records it.
   */
  void add(TarArchiveEntry entry) throws DefectException {
    String path = normalize(entry.getName());
    String shown = ApkovlValidator.shown(entry.getName());
    if (entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO()) {
      String what =
          entry.isFIFO() ? "FIFO" : entry.isCharacterDevice() ? "character device" : "block device";
      throw new DefectException(
          what + " member " + shown + ": lbu writes only files, directories and links",
          DefectException.DANGEROUS);
    }
    requireNotThroughSymlink(path, "member " + shown);
    Kind earlier = paths.get(path);
    if (earlier != null && entry.isLink() && normalize(entry.getLinkName()).equals(path)) {
      // GNU tar's record of a name listed twice: a hard link to itself, which changes nothing.
      return;
    }
    if (earlier == Kind.SYMLINK && !entry.isSymbolicLink()) {
      throw new DefectException(
          "member " + shown + " replaces the symbolic link an earlier member made there",
          DefectException.UNSAFE);
    }
    if (entry.isLink()) {
      checkHardLink(shown, entry.getLinkName());
    }
    if (entry.isSymbolicLink()) {
      remember(path, Kind.SYMLINK);
    } else if (!entry.isDirectory()) {
      remember(path, Kind.FILE);
    }
  }

  private void checkHardLink(String shown, String linkName) throws DefectException {
    String target = normalize(linkName);
    String shownTarget = ApkovlValidator.shown(linkName);
    requireNotThroughSymlink(target, "hard link " + shown + " to " + shownTarget);
    if (!paths.containsKey(target)) {
      throw new DefectException(
          "hard link "
              + shown
              + " points at "
              + shownTarget
              + ", which is not an earlier file of the archive",
          DefectException.UNSAFE);
    }
  }

  private void requireNotThroughSymlink(String path, String what) throws DefectException {
    for (int slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
      String parent = path.substring(0, slash);
      if (paths.get(parent) == Kind.SYMLINK) {
        throw new DefectException(
            what
                + " goes through "
                + ApkovlValidator.shown(parent)
                + ", a symbolic link made by an earlier member",
            DefectException.UNSAFE);
      }
    }
  }

  private void remember(String path, Kind kind) throws DefectException {
    if (paths.put(path, kind) == null) {
      trackedBytes += path.length() + PER_PATH_OVERHEAD;
      if (trackedBytes > MAX_TRACKED_BYTES) {
        throw new DefectException(
            "member names take more than 16 MiB (" + paths.size() + " members)",
            DefectException.NOT_APKOVL);
      }
    }
  }

  /** The path an extractor would write: without "." and empty segments, leading "./" included. */
  static String normalize(String name) {
    StringBuilder sb = new StringBuilder(name.length());
    for (String segment : name.split("/")) {
      if (segment.isEmpty() || segment.equals(".")) {
        continue;
      }
      if (sb.length() > 0) {
        sb.append('/');
      }
      sb.append(segment);
    }
    return sb.toString();
  }
}
