package dev.lbuvault.boot;

import dev.lbuvault.archive.ApkovlName;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decides whether a set of card files can boot a diskless Alpine Raspberry Pi, before anything is
 * written: the firmware and its config, every kernel and initramfs that {@code config.txt} names
 * (in any section), and a boot repository. It also lists the packages of {@code etc/apk/world} that
 * neither {@code apks/} nor {@code cache/} holds, with their dependencies ({@link PackageCheck}),
 * which an offline first boot would miss, and the root files the initramfs would take for an apkovl
 * ({@link ApkovlName#matchesBootGlob}): it boots the first it finds, so a card is only predictable
 * with exactly one.
 */
public final class BootCheck {
  private static final Pattern KERNEL = Pattern.compile("^\\s*kernel\\s*=\\s*(\\S+)");
  private static final Pattern INITRAMFS = Pattern.compile("^\\s*initramfs\\s+(\\S+)");

  private BootCheck() {}

  /**
   * What the check found; the card boots if {@code missingBootFiles} is empty, and boots the
   * intended configuration if {@code apkovlCandidates} holds exactly one name. {@code
   * packageIndexProblems} names package indexes that could not be read.
   */
  public record Result(
      List<String> missingBootFiles,
      List<String> missingPackages,
      List<String> apkovlCandidates,
      List<String> packageIndexProblems) {
    public Result {
      missingBootFiles = List.copyOf(missingBootFiles);
      missingPackages = List.copyOf(missingPackages);
      apkovlCandidates = List.copyOf(apkovlCandidates);
      packageIndexProblems = List.copyOf(packageIndexProblems);
    }

    public boolean bootable() {
      return missingBootFiles.isEmpty();
    }

    /** True if exactly one root file matches the initramfs's {@code *.apkovl.tar.gz*}. */
    public boolean exactlyOneApkovl() {
      return apkovlCandidates.size() == 1;
    }
  }

  /**
   * Checks {@code paths} (the card's files, '/'-separated) by their names alone, given the text of
   * its {@code config.txt} (null if absent) and the apkovl's world packages.
   */
  public static Result check(Set<String> paths, String configTxt, List<String> worldPackages) {
    return check(paths, configTxt, worldPackages, PackageCheck.load(paths, CardFiles.none()));
  }

  /**
   * Checks {@code paths} as above, with the world packages resolved through the card's package
   * indexes ({@link PackageCheck#load}).
   */
  public static Result check(
      Set<String> paths, String configTxt, List<String> worldPackages, PackageCheck packages) {
    Set<String> lower = new LinkedHashSet<>();
    for (String p : paths) {
      lower.add(p.toLowerCase(Locale.ROOT));
    }
    List<String> missing = new ArrayList<>();
    for (String required : List.of("config.txt", "cmdline.txt")) {
      if (!lower.contains(required)) {
        missing.add(required);
      }
    }
    if (configTxt != null) {
      for (String named : namedBootFiles(configTxt)) {
        // The firmware reads FAT, which ignores case.
        if (!lower.contains(named.toLowerCase(Locale.ROOT))) {
          missing.add(named + " (named in config.txt)");
        }
      }
    }
    if (lower.stream().noneMatch(p -> p.matches("start[^/]*\\.elf"))) {
      missing.add("start*.elf (Raspberry Pi firmware)");
    }
    if (lower.stream().noneMatch(p -> p.matches("fixup[^/]*\\.dat"))) {
      missing.add("fixup*.dat (Raspberry Pi firmware)");
    }
    if (lower.stream().noneMatch(p -> p.matches("[^/]+/\\.boot_repository"))) {
      missing.add("apks/.boot_repository (the boot package repository)");
    }
    return new Result(
        missing,
        packages.missing(worldPackages, false),
        apkovlCandidates(paths),
        packages.problems());
  }

  /** Root files the initramfs's fnmatch {@code *.apkovl.tar.gz*} takes, sorted by name. */
  public static List<String> apkovlCandidates(Set<String> paths) {
    return paths.stream()
        .filter(p -> p.indexOf('/') < 0 && ApkovlName.matchesBootGlob(p))
        .sorted()
        .toList();
  }

  /** Files {@code config.txt} names with {@code kernel=} or {@code initramfs}, in all sections. */
  public static List<String> namedBootFiles(String configTxt) {
    Set<String> names = new LinkedHashSet<>();
    for (String line : configTxt.split("\\R")) {
      String l = line.strip();
      if (l.startsWith("#")) {
        continue;
      }
      Matcher k = KERNEL.matcher(l);
      if (k.find()) {
        names.add(stripSlash(k.group(1)));
      }
      Matcher i = INITRAMFS.matcher(l);
      if (i.find()) {
        names.add(stripSlash(i.group(1)));
      }
    }
    return List.copyOf(names);
  }

  private static String stripSlash(String p) {
    return p.startsWith("/") ? p.substring(1) : p;
  }
}
