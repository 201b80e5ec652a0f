package dev.lbuvault.archive;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recognises apkovl file names the way Alpine's {@code lbu} writes them: {@code
 * <host>.apkovl.tar.gz} for a plaintext overlay and {@code <host>.apkovl.tar.gz.<cipher>} for one
 * encrypted with {@code openssl enc}. lbu's own temporary copy ({@code <name>.new}) and its rotated
 * backups ({@code <host>.<YYYYMMDDHHMMSS>.tar.gz[.<cipher>]}) are deliberately not apkovls: the
 * boot loader picks the first {@code *.apkovl.tar.gz*} it finds, so only the real name counts.
 */
public final class ApkovlName {
  private static final String NEW_SUFFIX = ".new";
  private static final String BOOT_GLOB_CORE = ".apkovl.tar.gz";
  private static final Pattern APKOVL =
      Pattern.compile("([^/\\x00]+)\\.apkovl\\.tar\\.gz(?:\\.([A-Za-z0-9-]+))?");

  private ApkovlName() {}

  /**
   * Whether the initramfs would take {@code rootFileName} (a name at the card's root) as an apkovl
   * candidate: mkinitfs's {@code nlplug-findfs} calls {@code fnmatch("*.apkovl.tar.gz*", name, 0)},
   * where {@code *} matches anything, a leading dot included. This is the rule for "exactly one
   * apkovl" everywhere (backup warnings, recover selection, inspect, boot readiness): a leftover
   * {@code rpi.apkovl.tar.gz~} or {@code .apkovl.tar.gz} is as bootable to the initramfs as the
   * real one.
   */
  public static boolean matchesBootGlob(String rootFileName) {
    return rootFileName.contains(BOOT_GLOB_CORE);
  }

  /**
   * Whether {@code fileName} is a finished apkovl: {@code *.apkovl.tar.gz} or {@code
   * *.apkovl.tar.gz.<cipher>} with a cipher made of letters, digits and dashes other than {@code
   * new}.
   */
  public static boolean isApkovl(String fileName) {
    return match(fileName).isPresent();
  }

  /**
   * Whether {@code fileName} is an apkovl that {@code lbu commit} is still copying: an apkovl name
   * followed by {@code .new}. Other {@code *.new} files are not lbu's business and answer false.
   */
  public static boolean isInProgress(String fileName) {
    return fileName.endsWith(NEW_SUFFIX)
        && isApkovl(fileName.substring(0, fileName.length() - NEW_SUFFIX.length()));
  }

  /** The host name part of an apkovl (or in-progress apkovl) name. */
  public static Optional<String> hostOf(String fileName) {
    return matchAllowingNew(fileName).map(m -> m.group(1));
  }

  /** The cipher suffix of an encrypted apkovl name; empty for plaintext or non-apkovl names. */
  public static Optional<String> cipherOf(String fileName) {
    return matchAllowingNew(fileName).map(m -> m.group(2));
  }

  private static Optional<Matcher> matchAllowingNew(String fileName) {
    if (isInProgress(fileName)) {
      return match(fileName.substring(0, fileName.length() - NEW_SUFFIX.length()));
    }
    return match(fileName);
  }

  private static Optional<Matcher> match(String fileName) {
    Matcher m = APKOVL.matcher(fileName);
    if (!m.matches() || "new".equals(m.group(2))) {
      return Optional.empty();
    }
    return Optional.of(m);
  }
}
