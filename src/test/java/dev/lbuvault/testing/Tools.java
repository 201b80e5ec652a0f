package dev.lbuvault.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Lets a test depend on an external program (GNU tar, openssl, mkfs.fat...). On a developer machine
 * a missing tool skips the test with a loud reason; on CI ({@code CI=true}) it fails, because a
 * silently skipped oracle is a test that never runs.
 */
public final class Tools {
  private Tools() {}

  /**
   * Finds {@code tool} on PATH, or in /usr/sbin and /sbin, where Debian keeps mkfs.fat and blkid
   * even when a non-root PATH omits them, and returns its absolute path.
   */
  public static Path require(String tool) {
    List<String> dirs = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      dirs.addAll(List.of(path.split(File.pathSeparator)));
    }
    dirs.addAll(List.of("/usr/sbin", "/sbin"));
    for (String dir : dirs) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, tool);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate.toAbsolutePath();
      }
    }
    String reason = "required tool '" + tool + "' is not installed (not on PATH)";
    if ("true".equals(System.getenv("CI"))) {
      return Assertions.fail(reason + "; CI=true, so this is a failure, not a skip");
    }
    System.err.println("SKIPPED: " + reason);
    return Assumptions.abort("SKIPPED: " + reason);
  }

  /**
   * Requires C libraries' development files, as pkg-config modules (e.g. {@code blkid}); skips or
   * fails like require.
   */
  public static void requireLibraries(String... pkgConfigModules) {
    Path pkgConfig = require("pkg-config");
    List<String> cmd = new ArrayList<>(List.of(pkgConfig.toString(), "--exists"));
    cmd.addAll(List.of(pkgConfigModules));
    int exit;
    try {
      exit = new ProcessBuilder(cmd).inheritIO().start().waitFor();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + cmd, e);
    }
    if (exit == 0) {
      return;
    }
    String reason =
        "pkg-config finds not all of the development files "
            + String.join(", ", pkgConfigModules)
            + " (on Debian: their -dev packages; scripts/test installs them)";
    if ("true".equals(System.getenv("CI"))) {
      Assertions.fail(reason + "; CI=true, so this is a failure, not a skip");
    }
    System.err.println("SKIPPED: " + reason);
    Assumptions.abort("SKIPPED: " + reason);
  }

  /** Requires that the tests run as root (loop devices, mount); skips or fails like require. */
  public static void requireRoot() {
    if ("root".equals(System.getProperty("user.name"))) {
      return;
    }
    String reason = "this test needs root (loop devices, mount)";
    if ("true".equals(System.getenv("CI"))) {
      Assertions.fail(reason + "; CI=true, so this is a failure, not a skip");
    }
    System.err.println("SKIPPED: " + reason);
    Assumptions.abort("SKIPPED: " + reason);
  }
}
