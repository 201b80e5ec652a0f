package dev.lbuvault.boot;

import dev.lbuvault.archive.ApkovlName;
import dev.lbuvault.repo.BootRecord;
import dev.lbuvault.text.OneLine;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Decides whether a card boots unattended, for the record every version keeps ({@link BootRecord}):
 * exactly one {@code *.apkovl.tar.gz*} at the root, the firmware and every kernel and initramfs
 * {@code config.txt} names ({@link BootCheck}), a boot repository, an {@code .apk} for each world
 * package and its dependencies ({@link PackageCheck}) and, for an encrypted apkovl, {@code openssl}
 * with its libraries in the boot repository, since the initramfs installs it from there to decrypt.
 * Each reason is one line. An encrypted apkovl is also noted as needing a password at the console.
 * Reads only {@code config.txt} and the package indexes, as streams.
 */
public final class BootReadiness {
  /** Reasons of one kind beyond this many are summed up in one line. */
  static final int MAX_LINES_PER_KIND = 20;

  /** How the note on an encrypted apkovl begins. */
  public static final String PASSWORD_NOTE = "needs a password at the console to boot";

  private static final long CONFIG_LIMIT = 1 << 20;
  private static final String CONFIG_TXT = "config.txt";

  private BootReadiness() {}

  /**
   * What is known of the apkovl's {@code etc/apk/world}: its entries, or why they are not known.
   *
   * @param packages the entries, or null when not known
   * @param skipped why they are not known (one line), or null when known
   */
  public record World(List<String> packages, String skipped) {
    public World {
      packages = packages == null ? null : List.copyOf(packages);
      if ((packages == null) == (skipped == null)) {
        throw new IllegalArgumentException("a world is either known or skipped with a reason");
      }
    }

    public static World known(List<String> packages) {
      return new World(Objects.requireNonNull(packages, "packages"), null);
    }

    public static World skipped(String why) {
      return new World(null, Objects.requireNonNull(why, "why"));
    }
  }

  /**
   * Assesses a card.
   *
   * @param paths the card's files, '/'-separated, relative to its root
   * @param files opens them (only {@code config.txt} and package indexes are read)
   * @param apkovl the host's apkovl name, or null if the card has none
   * @param world the apkovl's world, or why it is not known
   * @param recordWorld whether to keep the world's names in the record (false for an encrypted
   *     apkovl, whose contents are not written in clear)
   */
  public static BootRecord assess(
      Set<String> paths, CardFiles files, String apkovl, World world, boolean recordWorld)
      throws IOException {
    List<String> reasons = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    PackageCheck packages = PackageCheck.load(paths, files);
    List<String> worldPackages = world.packages() == null ? List.of() : world.packages();
    BootCheck.Result check =
        BootCheck.check(paths, readConfigTxt(paths, files), worldPackages, packages);
    apkovlCount(check.apkovlCandidates(), reasons);
    for (String m : check.missingBootFiles()) {
      reasons.add("missing " + m);
    }
    reasons.addAll(check.packageIndexProblems());
    addCapped(reasons, check.missingPackages(), "etc/apk/world: no .apk in apks/ or cache/ for ");
    if (world.skipped() != null) {
      notes.add("etc/apk/world not checked: " + world.skipped());
    }
    Optional<String> cipher = apkovl == null ? Optional.empty() : ApkovlName.cipherOf(apkovl);
    if (cipher.isPresent()) {
      notes.add(PASSWORD_NOTE + " (encrypted apkovl, " + cipher.get() + ")");
      addCapped(
          reasons,
          packages.missing(List.of("openssl"), true),
          "encrypted apkovl: the initramfs installs openssl from the boot repository to decrypt it,"
              + " but apks/ has no .apk for ");
    }
    return new BootRecord(
        reasons.isEmpty(),
        reasons.stream().map(OneLine::escape).toList(),
        notes.stream().map(OneLine::escape).toList(),
        recordWorld ? world.packages() : null);
  }

  private static void apkovlCount(List<String> candidates, List<String> reasons) {
    if (candidates.isEmpty()) {
      reasons.add(
          "no file at the root matches the initramfs's *.apkovl.tar.gz*: the host would boot"
              + " without its configuration");
    } else if (candidates.size() > 1) {
      reasons.add(
          candidates.size()
              + " files at the root match the initramfs's *.apkovl.tar.gz* ("
              + String.join(", ", candidates)
              + "): it boots the first it finds; keep exactly one");
    }
  }

  private static void addCapped(List<String> reasons, List<String> items, String prefix) {
    for (int i = 0; i < items.size() && i < MAX_LINES_PER_KIND; i++) {
      reasons.add(prefix + items.get(i));
    }
    if (items.size() > MAX_LINES_PER_KIND) {
      reasons.add(prefix + (items.size() - MAX_LINES_PER_KIND) + " more packages");
    }
  }

  /** The text of {@code config.txt} (FAT ignores case), null if absent or over 1 MiB. */
  private static String readConfigTxt(Set<String> paths, CardFiles files) throws IOException {
    for (String p : paths) {
      if (p.equalsIgnoreCase(CONFIG_TXT)) {
        try (InputStream in = files.open(p)) {
          if (in == null) {
            return null;
          }
          byte[] bytes = in.readNBytes((int) CONFIG_LIMIT + 1);
          return bytes.length > CONFIG_LIMIT
              ? null
              : new String(bytes, StandardCharsets.ISO_8859_1);
        }
      }
    }
    return null;
  }
}
