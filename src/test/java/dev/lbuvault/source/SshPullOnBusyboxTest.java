package dev.lbuvault.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.cli.ExitCodes;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Cli.Result;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Sshd;
import dev.lbuvault.testing.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code backup --source ssh://} against a far side whose {@code find}, {@code stat} and every
 * other applet of Debian's busybox but {@code sh} and {@code tar} come first in PATH, as busybox's
 * are on an Alpine host. Alpine's busybox is built with FEATURE_FIND_NOT, _PAREN, _PRUNE, _EXEC,
 * _EXEC_PLUS, FEATURE_STAT_FORMAT and FEATURE_TAR_FROM (aports main/busybox/busyboxconfig; lbu
 * itself runs {@code tar -c --no-recursion -T -}). Debian's busybox lacks tar's {@code -T}, and its
 * {@code sh} runs its own applets before PATH's (so its tar too): the main key therefore runs
 * Debian's sh and GNU tar, and the tar half is not judged against busybox. A second key runs the
 * whole command in busybox sh with busybox applets only, for the pull of an unchanged card, which
 * lists and sends nothing. Judges: the pulled version against a backup of the same card from its
 * local path ({@code sha256sum -c}, {@code diff -r}), and the far side's {@code command -v}.
 */
class SshPullOnBusyboxTest {
  @TempDir Path tmp;
  Sshd sshd;
  Path card;
  Path applets;
  Path allBusybox;
  String repo;

  @BeforeEach
  void setUp() throws Exception {
    Path busybox = Tools.require("busybox");
    sshd = Sshd.start();
    applets = appletLinks(busybox, Files.createDirectories(tmp.resolve("busybox-bin")));
    sshd.authorizeForcedCommand(sshd.identity(), farSide("exec /bin/sh").toString());
    allBusybox = sshd.newIdentity("all-busybox");
    sshd.authorizeForcedCommand(allBusybox, farSide("exec '" + busybox + "' sh").toString());
    card = Cards.make(tmp.resolve("card"));
    repo = tmp.resolve("repo").toString();
    assertThat(Cli.run("init", "--repo", repo).exitCode()).isZero();
  }

  @AfterEach
  void tearDown() throws IOException {
    if (sshd != null) {
      sshd.close();
    }
    if (applets != null) {
      // @TempDir would delete them too, with one warning per link to a file outside it
      try (Stream<Path> links = Files.list(applets)) {
        for (Path link : links.toList()) {
          Files.delete(link);
        }
      }
    }
  }

  /** One link per applet but sh and tar (see the class comment). */
  private static Path appletLinks(Path busybox, Path dir) throws IOException {
    for (String applet : Commands.check(null, busybox.toString(), "--list").lines().toList()) {
      if (!applet.isBlank() && !List.of("sh", "tar").contains(applet) && !applet.contains("/")) {
        Files.createSymbolicLink(dir.resolve(applet), busybox);
      }
    }
    return dir;
  }

  /** A forced command: the client's command line run by {@code shell -c}, applets first. */
  private Path farSide(String shell) throws IOException {
    Path script = Files.createTempFile(tmp, "far-side", ".sh");
    Files.writeString(
        script,
        "#!/bin/sh\nPATH='"
            + applets
            + "':$PATH\nexport PATH\n"
            + shell
            + " -c \"$SSH_ORIGINAL_COMMAND\"\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return script;
  }

  private Result pull(String... more) {
    return pullWith(sshd.identity(), more);
  }

  private Result pullWith(Path key, String... more) {
    List<String> args =
        new ArrayList<>(List.of("backup", "--repo", repo, "--source", sshd.url(card.toString())));
    args.addAll(sshd.cliOptions(key));
    args.addAll(List.of(more));
    return Cli.run(args.toArray(String[]::new));
  }

  private static List<Path> versions(String repo) throws IOException {
    Path dir = Path.of(repo, "hosts", "rpi", "versions");
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> Files.isRegularFile(p.resolve("SHA256SUMS"))).sorted().toList();
    }
  }

  @Test
  void theFarSideRunsBusyboxFindAndStatWithGnuTarAndTheSecondKeyBusyboxAlone() throws Exception {
    Commands.Output o =
        Commands.run(
            null,
            sshd.sshCommand(
                sshd.identity(),
                "for c in find stat tar; do command -v $c; done; find --help 2>&1 | head -1"));
    Commands.Output all =
        Commands.run(
            null,
            sshd.sshCommand(
                allBusybox, "for c in find stat tar; do command -v $c; done; sh --help 2>&1"));

    assertThat(o.exitCode()).as(o.stderr()).isZero();
    List<String> lines = o.stdout().lines().toList();
    assertThat(lines).hasSize(4);
    assertThat(lines.subList(0, 2)).allMatch(l -> l.startsWith(applets + "/"));
    assertThat(lines.get(2)).doesNotStartWith(applets.toString()).endsWith("/tar");
    assertThat(lines.get(3)).startsWith("BusyBox v");
    // busybox sh runs its applets by name before PATH's programs: tar is busybox's too
    assertThat(all.stdout()).startsWith("find\nstat\ntar\n").contains("BusyBox v");
  }

  @Test
  void aCardPulledThroughBusyboxFindAndStatIsStoredExactlyAsABackupOfItsLocalPath()
      throws Exception {
    // busybox stat says "regular empty file" for an empty one, as GNU stat does
    Files.writeString(card.resolve("empty.txt"), "");

    Result r = pull();

    assertThat(r.exitCode()).as(r.toString()).isZero();
    Path pulled = versions(repo).get(0);
    Commands.check(pulled, "sha256sum", "--quiet", "--strict", "-c", "SHA256SUMS");
    String localRepo = tmp.resolve("local-repo").toString();
    assertThat(Cli.run("init", "--repo", localRepo).exitCode()).isZero();
    Result local = Cli.run("backup", "--repo", localRepo, "--source", card.toString());
    assertThat(local.exitCode()).as(local.toString()).isZero();
    Path fromLocal = versions(localRepo).get(0);
    assertThat(Files.readString(pulled.resolve("SHA256SUMS")))
        .isEqualTo(Files.readString(fromLocal.resolve("SHA256SUMS")))
        .contains("empty.txt");
    assertThat(Commands.check(null, "diff", "-r", fromLocal + "/card", pulled + "/card")).isEmpty();
  }

  @Test
  void anUnchangedCardListedByBusyboxShAloneSendsNothingAndAChangedApkovlOnlyItself()
      throws Exception {
    assertThat(pull().exitCode()).isZero();

    Result again = pullWith(allBusybox, "--json");
    Path apkovl = card.resolve("rpi.apkovl.tar.gz");
    Cards.apkovl(apkovl, "rpi", 7);
    Result changed = pull("--json");

    assertThat(again.exitCode()).as(again.toString()).isZero();
    assertThat(again.out()).contains("\"result\": \"unchanged\"").contains("\"bytesCopied\": 0,");
    assertThat(changed.exitCode()).as(changed.toString()).isZero();
    assertThat(changed.out())
        .contains("\"result\": \"stored\"")
        .contains("\"bytesCopied\": " + Files.size(apkovl) + ",");
  }

  @Test
  void aNameWithAControlCharacterIsPrunedByBusyboxFindAndWarnedAbout() throws Exception {
    Files.writeString(card.resolve("bad\u0001name"), "x");

    Result r = pull();

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.err() + r.out()).contains("control characters or a backslash");
    assertThat(versions(repo).get(0).resolve("card").resolve("bad\u0001name")).doesNotExist();
    assertThat(versions(repo).get(0).resolve("card").resolve("rpi.apkovl.tar.gz")).exists();
  }

  @Test
  void aCardBeingCommittedIsBusyWhenBusyboxListsIt() throws Exception {
    Files.writeString(card.resolve("rpi.apkovl.tar.gz.new"), "half");

    Result r = pull();

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.BUSY);
    assertThat(r.err()).contains("card busy").contains("rpi.apkovl.tar.gz.new");
  }
}
