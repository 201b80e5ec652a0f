package dev.lbuvault.torture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.cli.ExitCodes;
import dev.lbuvault.daemon.DaemonSettings;
import dev.lbuvault.json.Json;
import dev.lbuvault.testing.BtrfsLoop;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.CliProcess;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Http;
import dev.lbuvault.testing.Waits;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 10: privacy. Every command runs as its own JVM under {@code umask 000} (the worst a
 * user's shell can hand it), on a card whose files, apkovl members included, contain a unique
 * marker. Nothing the repository holds may be group- or world-accessible, the recovered image is
 * private too, and the marker must never appear in any output line, whether the command succeeds or
 * fails (damaged apkovl, busy card, damaged repository); and the daemon's metrics endpoint, started
 * with defaults, listens on loopback only.
 */
class PermissionsAndLogsTest {
  private static final Set<PosixFilePermission> GROUP_OR_OTHER =
      Set.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_EXECUTE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE);
  private static final String CHECKED =
      "under umask 000: init, backup (stored, unchanged, changed), list, list --json, show, show"
          + " --json, verify, a damaged apkovl (exit 1), a busy card (exit 5), recover --dry-run,"
          + " recover to an image, inspect --files, prune --dry-run, prune, verify of a damaged"
          + " version (exit 4); no file or directory of the repository (lock and marker included)"
          + " has a group or other bit, the image is 0600; a unique marker in the card's files"
          + " and apkovl members never appears in stdout or stderr";

  @TempDir Path tmp;
  private final String marker = "TORTUREMARKER" + UUID.randomUUID().toString().replace("-", "");
  private final List<String> transcript = new ArrayList<>();
  private int commands;

  @Test
  void plainBackend() throws Exception {
    run("plain", tmp.resolve("repo"), List.of("--backend", "plain"));
  }

  @Test
  void btrfsBackend() throws Exception {
    try (BtrfsLoop btrfs = BtrfsLoop.create(tmp, 512)) {
      run("btrfs", btrfs.mountPoint().resolve("repo"), List.of());
    }
  }

  @Test
  void theDaemonsMetricsEndpointListensOnLoopbackByDefault() throws Exception {
    String checked =
        "lbuvault daemon started with no --listen and no config file; /healthz answers on"
            + " 127.0.0.1:"
            + DaemonSettings.DEFAULT_PORT
            + "; ss -ltn shows no listener on that port at any other address";
    try (Torture.Scenario s =
        Torture.scenario("10. metrics endpoint on loopback by default", "daemon", checked)) {
      Path card = Cards.make(tmp.resolve("daemon-card"));
      Path repo = tmp.resolve("daemon-repo");
      assertThat(Cli.run("init", "--repo", repo.toString()).exitCode()).isZero();
      // else the check below could pass on another program's (or a left-over daemon's) listener
      assertThat(listeners())
          .as("port %d must be free for this test", DaemonSettings.DEFAULT_PORT)
          .isEmpty();
      Process daemon =
          CliProcess.start(
              tmp.resolve("daemon.log"),
              "daemon",
              "--repo",
              repo.toString(),
              "--source",
              card.toString());
      try {
        String healthz = "http://127.0.0.1:" + DaemonSettings.DEFAULT_PORT + "/healthz";
        Waits.until(
            java.time.Duration.ofSeconds(60),
            "the daemon's /healthz on the default port",
            () -> !daemon.isAlive() || Http.tryGet(healthz).isPresent());
        assertThat(daemon.isAlive()).as(Files.readString(tmp.resolve("daemon.log"))).isTrue();
        List<String> listeners = listeners();
        assertThat(listeners)
            .isNotEmpty()
            .allMatch(
                a ->
                    a.startsWith("127.0.0.1:")
                        || a.startsWith("[::ffff:127.0.0.1]:")
                        || a.startsWith("[::1]:"));
        s.trial();
        s.note("listeners on port " + DaemonSettings.DEFAULT_PORT + ": " + listeners);
        s.passed();
      } finally {
        daemon.destroy();
        if (!daemon.waitFor(40, java.util.concurrent.TimeUnit.SECONDS)) {
          daemon.destroyForcibly(); // a hung daemon must not hold the port for later tests
        }
      }
    }
  }

  /** The local addresses listening on the default metrics port, from ss(8). */
  private static List<String> listeners() throws java.io.IOException {
    return Commands.check(null, "ss", "-ltnH", "sport = :" + DaemonSettings.DEFAULT_PORT)
        .lines()
        .map(l -> l.trim().split("\\s+")[3])
        .toList();
  }

  private void run(String backend, Path repo, List<String> initOptions) throws Exception {
    try (Torture.Scenario s =
        Torture.scenario("10. permissions and no file content in logs", backend, CHECKED)) {
      Path card = markedCard(tmp.resolve("card"), 1);
      String r = repo.toString();
      List<String> init = new ArrayList<>(List.of("init", "--repo", r));
      init.addAll(initOptions);
      expect(0, init.toArray(String[]::new));
      expect(0, "backup", "--repo", r, "--source", card.toString());
      expect(0, "backup", "--repo", r, "--source", card.toString());
      Files.writeString(card.resolve("marker.txt"), marker + " changed\n");
      markedApkovl(card.resolve("rpi.apkovl.tar.gz"), 2);
      expect(0, "backup", "--repo", r, "--source", card.toString(), "--json");
      expect(0, "list", "--repo", r);
      expect(0, "list", "--repo", r, "--json");
      expect(0, "show", "--repo", r, "latest");
      expect(0, "show", "--repo", r, "--json", "latest");
      expect(0, "verify", "--repo", r);

      // Failures must not quote content either.
      Path apkovl = card.resolve("rpi.apkovl.tar.gz");
      byte[] good = Files.readAllBytes(apkovl);
      Files.write(apkovl, Arrays.copyOf(good, good.length * 2 / 3));
      expect(ExitCodes.FAILURE, "backup", "--repo", r, "--source", card.toString());
      Files.write(apkovl, good);
      Files.writeString(card.resolve("rpi.apkovl.tar.gz.new"), marker);
      expect(ExitCodes.BUSY, "backup", "--repo", r, "--source", card.toString());
      Files.delete(card.resolve("rpi.apkovl.tar.gz.new"));

      Path image = tmp.resolve("recovered-" + backend + ".img");
      expect(0, "recover", "--repo", r, "--to", image.toString(), "--dry-run");
      expect(0, "recover", "--repo", r, "--to", image.toString(), "--yes");
      assertThat(Files.getPosixFilePermissions(image))
          .as("the recovered image holds /etc/shadow")
          .doesNotContainAnyElementsOf(GROUP_OR_OTHER);
      expect(0, "inspect", image.toString(), "--files");
      expect(0, "prune", "--repo", r, "--keep-last", "1", "--dry-run");
      expect(0, "prune", "--repo", r, "--keep-last", "1");

      assertPrivate(repo);

      // Damage the marker file of the version (and current/, which shares it on plain).
      List<Path> versions = Torture.versions(repo, "rpi");
      Path newest = versions.get(versions.size() - 1);
      if (backend.equals("btrfs")) {
        Commands.check(null, "btrfs", "property", "set", "-ts", newest.toString(), "ro", "false");
      }
      try (RandomAccessFile raf =
          new RandomAccessFile(newest.resolve("card/marker.txt").toFile(), "rw")) {
        raf.seek(2);
        raf.write('#');
      }
      expect(ExitCodes.DAMAGED, "verify", "--repo", r);
      // The results directory exists only once a scenario has closed: this test may run first.
      Path transcriptFile = Torture.resultsFile().resolveSibling("transcript-" + backend + ".txt");
      Files.createDirectories(transcriptFile.getParent());
      Files.writeString(transcriptFile, String.join("\n", transcript));
      for (int i = 0; i < commands; i++) {
        s.trial();
      }
      s.note(commands + " commands, marker in none of their output, every mode private");
      s.passed();
    }
  }

  /** Runs one command in its own JVM under umask 000, checks its exit and that no marker leaks. */
  private void expect(int exit, String... args) throws Exception {
    Path log = tmp.resolve("cmd-" + commands++ + ".log");
    List<String> cmd =
        new ArrayList<>(
            List.of("env", "-u", "LBUVAULT_DEBUG", "sh", "-c", "umask 000 && exec \"$@\"", "sh"));
    cmd.addAll(CliProcess.command(List.of(), List.of(args)));
    Process p = CliProcess.startCommand(log, cmd);
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    String out = Files.readString(log, StandardCharsets.UTF_8);
    String what = String.join(" ", args);
    transcript.add("$ lbuvault " + what + "\n" + out);
    assertThat(p.exitValue()).as(what + ": " + out).isEqualTo(exit);
    assertThat(out).as(what + ": no file content in the output").doesNotContain(marker);
    if (List.of(args).contains("--json")) {
      assertThat(Json.parse(out)).as(what + ": a JSON document on stdout").isNotNull();
    }
    if (exit != 0 && exit != ExitCodes.DAMAGED) {
      Torture.assertCleanMessage(
          out.lines().filter(l -> l.startsWith("lbuvault: ")).findFirst().orElse(out), what);
    }
  }

  private static void assertPrivate(Path repo) throws Exception {
    assertThat(Files.getPosixFilePermissions(repo)).doesNotContainAnyElementsOf(GROUP_OR_OTHER);
    try (Stream<Path> all = Files.walk(repo)) {
      for (Path p : all.toList()) {
        assertThat(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS))
            .as(p.toString())
            .doesNotContainAnyElementsOf(GROUP_OR_OTHER);
      }
    }
  }

  /** A sample card whose text files, an extra file and apkovl members all hold the marker. */
  private Path markedCard(Path dir, int generation) throws Exception {
    Cards.make(dir);
    Files.writeString(
        dir.resolve("config.txt"),
        Files.readString(dir.resolve("config.txt")) + "# " + marker + "\n");
    Files.writeString(
        dir.resolve("usercfg.txt"),
        Files.readString(dir.resolve("usercfg.txt")) + "# " + marker + "\n");
    Files.writeString(dir.resolve("marker.txt"), (marker + "\n").repeat(100));
    markedApkovl(dir.resolve("rpi.apkovl.tar.gz"), generation);
    return dir;
  }

  /** An apkovl made with GNU tar from a fake root, the marker in shadow, motd and fstab. */
  private void markedApkovl(Path out, int generation) throws Exception {
    Path root = tmp.resolve("root-" + generation);
    Files.createDirectories(root.resolve("etc/apk"));
    Files.writeString(root.resolve("etc/apk/world"), "alpine-base\nchrony\n");
    Files.writeString(root.resolve("etc/hostname"), "rpi\n");
    Files.writeString(root.resolve("etc/shadow"), "root:$6$" + marker + ":19000:0:::::\n");
    Files.writeString(root.resolve("etc/motd"), "welcome " + marker + " " + generation + "\n");
    Files.writeString(
        root.resolve("etc/fstab"),
        "# "
            + marker
            + "\nUUID=1A2B-3C4D /media/mmcblk0p1 vfat noauto,ro,comment="
            + marker
            + " 0 0\n");
    Commands.check(null, "tar", "-C", root.toString(), "-czf", out.toString(), "etc");
  }
}
