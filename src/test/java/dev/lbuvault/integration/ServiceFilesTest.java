package dev.lbuvault.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.Commands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped service files and scripts/install, without network. */
class ServiceFilesTest {
  private static final List<String> SCRIPTS =
      List.of(
          "scripts/runit/lbuvault/run",
          "scripts/runit/lbuvault/log/run",
          "scripts/openrc/lbuvault",
          "scripts/install",
          "scripts/package",
          "scripts/build-runtime",
          "scripts/demo",
          "scripts/lbuvault",
          "scripts/lbuvault-archive",
          "scripts/test");

  @Test
  void scriptsAreExecutableAndParse() throws Exception {
    for (String s : SCRIPTS) {
      Path p = Path.of(s);
      assertThat(Files.isExecutable(p)).as(s + " executable").isTrue();
      // openrc-run scripts are sh with a few functions; the shell of the shebang checks syntax
      String shell = Files.readString(p).startsWith("#!/usr/bin/env bash") ? "bash" : "sh";
      Commands.Output o = Commands.run(null, List.of(shell, "-n", s));
      assertThat(o.exitCode()).as(s + ": " + o.stderr()).isZero();
    }
    String run = Files.readString(Path.of("scripts/runit/lbuvault/run"));
    assertThat(run)
        .contains("exec 2>&1")
        .containsPattern("(?m)^launcher=\\S+/lbuvault$")
        .containsPattern("(?m)^exec \"\\$launcher\" daemon$");
    assertThat(Files.readString(Path.of("scripts/runit/lbuvault/log/run"))).contains("exec svlogd");
    assertThat(Files.readString(Path.of("scripts/openrc/lbuvault")))
        .startsWith("#!/sbin/openrc-run")
        .contains(
            "supervisor=\"supervise-daemon\"", "command=\"$launcher\"", "command_args=\"daemon")
        .containsPattern("(?m)^launcher=\\S+/lbuvault$");
  }

  @Test
  void installPutsEveryPieceUnderThePrefixAndPointsTheServicesAtIt(@TempDir Path tmp)
      throws Exception {
    Path jar = Path.of("target/lbuvault.jar");
    boolean madeJar = !Files.exists(jar);
    if (madeJar) {
      // mvn verify runs tests before packaging; any file stands in for the jar here.
      Files.createDirectories(jar.getParent());
      Files.writeString(jar, "stand-in");
    }
    try {
      Path dest = tmp.resolve("root");
      String said =
          Commands.check(
              null,
              "sh",
              "scripts/install",
              "--prefix",
              "/opt/lbuvault",
              "--destdir",
              dest.toString());
      // Staged elsewhere, the archive (which records the jar's path) is left for the target host.
      assertThat(said).contains("next, on the target: /opt/lbuvault/bin/lbuvault-archive");
      assertThat(dest.resolve("opt/lbuvault/share/lbuvault/lbuvault.jsa")).doesNotExist();
      for (String f :
          List.of(
              "opt/lbuvault/bin/lbuvault",
              "opt/lbuvault/bin/lbuvault-archive",
              "opt/lbuvault/share/lbuvault/lbuvault.jar",
              "opt/lbuvault/share/lbuvault/lbuvault.conf.example",
              "etc/lbuvault/lbuvault.conf.example",
              "etc/sv/lbuvault/run",
              "etc/sv/lbuvault/log/run",
              "etc/init.d/lbuvault")) {
        assertThat(dest.resolve(f)).as(f).isRegularFile();
      }
      assertThat(Files.readString(dest.resolve("etc/sv/lbuvault/run")))
          .contains("\nlauncher=/opt/lbuvault/bin/lbuvault\n");
      assertThat(Files.readString(dest.resolve("etc/init.d/lbuvault")))
          .contains("\nlauncher=/opt/lbuvault/bin/lbuvault\n");
      assertThat(
              PosixFilePermissions.toString(
                  Files.getPosixFilePermissions(dest.resolve("etc/sv/lbuvault/run"))))
          .isEqualTo("rwxr-xr-x");
      assertThat(Files.exists(dest.resolve("etc/lbuvault/lbuvault.conf"))).isFalse();
    } finally {
      if (madeJar) {
        Files.delete(jar);
      }
    }
  }
}
