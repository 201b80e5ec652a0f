package dev.lbuvault.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.CliProcess;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.DaemonProcess;
import dev.lbuvault.testing.Tools;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar's entry point for the daemon (cli.Start): its command line is parsed in a class loader
 * that is dropped before the daemon runs, so picocli is not kept for months; and every answer the
 * command line gives (help, usage errors, a bad configuration, a start-up failure) keeps its exit
 * code and single line.
 */
class DaemonStartTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path tmp;

  @Test
  void aRunningDaemonHasNoPicocliOrCommandClassLoaded() throws Exception {
    // The jcmd of the JDK running the tests, which also runs the daemon (CliProcess).
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    if (!Files.isExecutable(jcmd)) {
      jcmd = Tools.require("jcmd");
    }
    try (DaemonProcess daemon = DaemonProcess.start(tmp)) {
      daemon.awaitHealthy(WAIT);
      Commands.Output classes =
          Commands.run(
              null,
              List.of(
                  jcmd.toString(), Long.toString(daemon.process().pid()), "VM.class_hierarchy"));
      assertThat(classes.exitCode()).as(classes.stderr()).isZero();
      assertThat(classes.stdout())
          .as("the daemon's own classes are listed")
          .contains("dev.lbuvault.daemon.Daemon", "dev.lbuvault.cli.DaemonRun")
          .doesNotContain("picocli.", "dev.lbuvault.cli.DaemonCommand", "dev.lbuvault.cli.Main");
      assertThat(daemon.stop()).as(daemon.log()).isZero();
    }
  }

  @Test
  void helpUsageErrorsABadSettingAndATakenPortKeepTheirExitCodesAndOneLine() throws Exception {
    Path repo = DaemonProcess.repo(tmp);
    Path card = Cards.make(tmp.resolve("card"));
    String r = repo.toString();
    String c = card.toString();

    Commands.Output help = daemon("--help");
    assertThat(help.exitCode()).isZero();
    assertThat(help.stdout()).startsWith("Usage: lbuvault daemon").contains("--keep-last");

    Commands.Output bogus = daemon("--repo", r, "--source", c, "--bogus");
    assertThat(bogus.exitCode()).as(bogus.stderr()).isEqualTo(2);
    assertThat(bogus.stderr())
        .startsWith("lbuvault: Unknown option: '--bogus'")
        .contains("Try 'lbuvault daemon --help'.");

    Commands.Output badValue = daemon("--repo", r, "--source", c, "--keep-last", "many");
    assertThat(badValue.exitCode()).as(badValue.stderr()).isEqualTo(2);
    assertThat(badValue.stderr()).contains("keep.last").hasLineCount(1);

    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String address = "127.0.0.1:" + taken.getLocalPort();
      Commands.Output busy = daemon("--repo", r, "--source", c, "--listen", address);
      assertThat(busy.exitCode()).as(busy.stderr()).isEqualTo(1);
      assertThat(busy.stderr().lines().filter(l -> l.startsWith("lbuvault: ")).toList())
          .singleElement()
          .asString()
          .contains("cannot listen on", Integer.toString(taken.getLocalPort()));
    }
  }

  private Commands.Output daemon(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of("daemon"));
    all.addAll(List.of(args));
    return Commands.run(tmp, CliProcess.command(List.of(), all));
  }
}
