package dev.lbuvault.source;

import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The remote half of an ssh scan: a fixed POSIX shell script (run as {@code sh -c SCRIPT sh PATH})
 * that lists the card by stat only with {@code find} and {@code stat -c}, using only what both
 * busybox (as Alpine configures it) and GNU findutils/coreutils have, and the parser of its output
 * into a {@link CardScan}. Names holding control characters or backslashes (FAT allows neither)
 * cannot travel safely in a line-based listing or in tar's name list: they are pruned remotely and
 * counted, and become warnings.
 */
final class RemoteListing {
  /** Printed once per pruned entry instead of its unprintable name. */
  static final String BAD_NAME_LINE = "bad-name";

  /**
   * {@code -exec stat ... {} +} stands at the top level of the expression, never inside {@code \(
   * \)}: busybox 1.35's find (Debian's; found by SshPullOnBusyboxTest) never runs a batched {@code
   * -exec +} inside parentheses, so it listed nothing and the card looked empty. Hence {@code !
   * -name .} twice.
   */
  static final String SCRIPT =
      "cd \"$1\" 2>/dev/null || exit "
          + SshCardReader.EXIT_NO_DIRECTORY
          + "; find . ! -name . \\( -name '*[[:cntrl:]]*' -o -name '*\\\\*' \\) -prune"
          + " -exec echo "
          + BAD_NAME_LINE
          + " \\; -o ! -name . -exec stat -c '%F/%s/%Y/%n' {} + || exit "
          + SshCardReader.EXIT_LISTING_FAILED;

  private RemoteListing() {}

  /**
   * Parses lines {@code TYPE/SIZE/MTIME/./PATH}.
   *
   * @throws RemoteSourceException when a line is not what the script prints (a wrong remote shell
   *     or a hostile host); a path with {@code ..} or empty components is refused likewise
   */
  static CardScan parse(String output, String location) throws RemoteSourceException {
    List<CardFile> files = new ArrayList<>();
    List<String> directories = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    List<String> badNames = new ArrayList<>();
    for (String line : output.lines().toList()) {
      if (line.equals(BAD_NAME_LINE)) {
        badNames.add("(a name with control characters or a backslash, not sent over ssh)");
        continue;
      }
      String[] parts = line.split("/", 4);
      if (parts.length != 4 || !parts[3].startsWith("./")) {
        throw unexpected(location, line);
      }
      String path = parts[3].substring(2);
      if (!validPath(path)) {
        throw unexpected(location, line);
      }
      long size;
      long mtime;
      try {
        size = Long.parseLong(parts[1]);
        mtime = Long.parseLong(parts[2]);
      } catch (NumberFormatException e) {
        throw unexpected(location, line);
      }
      switch (parts[0]) {
        case "regular file", "regular empty file" ->
            files.add(new CardFile(path, size, FileTime.from(mtime, TimeUnit.SECONDS)));
        case "directory" -> directories.add(path);
        default -> skipped.add(path);
      }
    }
    files.sort(Comparator.comparing(CardFile::path));
    directories.sort(Comparator.naturalOrder());
    skipped.sort(Comparator.naturalOrder());
    return new CardScan(files, directories, skipped, badNames);
  }

  private static boolean validPath(String path) {
    if (path.isEmpty() || path.endsWith("/")) {
      return false;
    }
    for (String part : path.split("/", -1)) {
      if (part.isEmpty() || part.equals(".") || part.equals("..")) {
        return false;
      }
    }
    return true;
  }

  private static RemoteSourceException unexpected(String location, String line) {
    String shown = line.length() > 120 ? line.substring(0, 120) + "..." : line;
    return new RemoteSourceException(
        RemoteSourceException.Kind.TRANSFER,
        "unexpected line in the listing of "
            + location
            + " (\""
            + shown
            + "\"): is sh on that host a POSIX shell with find and stat? Nothing was stored");
  }
}
