package dev.lbuvault.torture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.lbuvault.archive.HostileArchives;
import dev.lbuvault.archive.ReleaseTarball;
import dev.lbuvault.archive.UnusableReleaseException;
import dev.lbuvault.cli.ExitCodes;
import dev.lbuvault.recover.RecoverRefusedException;
import dev.lbuvault.recover.VolumeIdentity;
import dev.lbuvault.recover.VolumeIdentityResolver;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.CliProcess;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Tools;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 11: hostile inputs (issue 9). Apkovls that cost unbounded work (a small tar and 4 GiB of
 * zeros), that write through an earlier symbolic link, or hold device nodes and FIFOs, are
 * validated in one child JVM with a 64 MiB heap beside real GNU tar output that must pass; fstab
 * volume labels go through the resolver; release tarballs FAT cannot represent are listed, and one
 * goes through the real CLI {@code recover}, which must refuse it before writing.
 */
class HostileInputsTest {
  private static final String CHECKED =
      "apkovls in a child JVM with -Xmx64m: 4 GiB of zeros after a small tar, over 1 MiB of"
          + " padding, members through relative, absolute and chained symlinks, a directory at a"
          + " symlink's path, hard links to what the archive does not hold, char/block devices and"
          + " FIFOs all INVALID with a one-line message; GNU tar -b 1/20/2048 output with absolute"
          + " symlinks OK; fstab labels: octal escapes decoded, case kept, unholdable ones refused"
          + " naming etc/fstab and --label; release tarballs with a duplicate, a case collision, a"
          + " symlink, a FIFO or a device refused naming the member, hard links given their"
          + " target's content; recover --alpine-release of a hostile tarball: exit 3, one line,"
          + " no image";

  @TempDir Path tmp;

  @Test
  void hostileInputsGetAOneLineRefusalAndBoundedWork() throws Exception {
    Tools.requireRoot();
    try (Torture.Scenario s =
        Torture.scenario("11. hostile inputs", "validator -Xmx64m + resolver + CLI", CHECKED)) {
      Map<String, Boolean> apkovls = writeApkovls(Files.createDirectories(tmp.resolve("cases")));
      long childMillis = validateInChild(tmp.resolve("cases"), apkovls, s);
      s.note(
          apkovls.size() + " apkovls validated in " + childMillis + " ms (4 GiB of zeros among)");

      int labels = checkFstabLabels(s);
      s.note(labels + " fstab labels");

      int releases = checkReleaseTarballs(s);
      recoverRefusesAHostileRelease(s);
      s.note(releases + " release tarballs listed, one through the CLI recover");
      s.passed();
    }
  }

  /** Name of each case to whether it must be accepted. */
  private Map<String, Boolean> writeApkovls(Path cases) throws Exception {
    Map<String, Boolean> expectOk = new TreeMap<>();
    Path work = Files.createDirectories(tmp.resolve("work"));
    byte[] small = HostileArchives.smallTar(work);
    HostileArchives.zeroPadded(cases.resolve("zeros-4GiB.apkovl.tar.gz"), small, 4L << 30);
    expectOk.put("zeros-4GiB.apkovl.tar.gz", false);
    HostileArchives.zeroPadded(cases.resolve("zeros-over.apkovl.tar.gz"), small, 2L << 20);
    expectOk.put("zeros-over.apkovl.tar.gz", false);
    HostileArchives.zeroPadded(cases.resolve("zeros-limit.apkovl.tar.gz"), small, 1L << 20);
    expectOk.put("zeros-limit.apkovl.tar.gz", true);

    for (int b : new int[] {1, 20, 2048}) {
      Path root = HostileArchives.fakeRoot(work.resolve("ok-" + b));
      Files.createSymbolicLink(root.resolve("etc/localtime"), Path.of("/usr/share/zoneinfo/UTC"));
      Files.createSymbolicLink(root.resolve("etc/up"), Path.of("../../.."));
      String name = "gnu-b" + b + ".apkovl.tar.gz";
      HostileArchives.gnuTar(
          root,
          cases.resolve(name),
          List.of("etc", "etc/hostname", "etc/localtime", "etc/up", "etc/apk", "etc/apk/world"),
          "-b",
          String.valueOf(b));
      expectOk.put(name, true);
    }

    Path root = HostileArchives.fakeRoot(work.resolve("through"));
    Files.createSymbolicLink(root.resolve("etc/x"), Path.of("../.."));
    Files.createDirectories(work.resolve("tmp"));
    Files.writeString(work.resolve("tmp/pwned"), "x\n");
    Files.createSymbolicLink(root.resolve("etc/abs"), work.resolve("tmp").toAbsolutePath());
    Files.createSymbolicLink(root.resolve("etc/chain"), Path.of("x"));
    Map<String, List<String>> through = new LinkedHashMap<>();
    through.put("through-relative", List.of("etc", "etc/x", "etc/x/tmp/pwned"));
    through.put("through-absolute", List.of("etc", "etc/abs", "etc/abs/pwned"));
    through.put("through-chain", List.of("etc", "etc/x", "etc/chain", "etc/chain/tmp/pwned"));
    for (Map.Entry<String, List<String>> c : through.entrySet()) {
      String name = c.getKey() + ".apkovl.tar.gz";
      HostileArchives.gnuTar(root, cases.resolve(name), c.getValue());
      expectOk.put(name, false);
    }

    Path nodes = HostileArchives.fakeRoot(work.resolve("nodes"));
    Commands.check(nodes, "mknod", "etc/mem", "c", "1", "1");
    Commands.check(nodes, "mknod", "etc/disk", "b", "7", "0");
    Commands.check(nodes, "mkfifo", "etc/fifo");
    for (String node : List.of("mem", "disk", "fifo")) {
      String name = "node-" + node + ".apkovl.tar.gz";
      HostileArchives.gnuTar(nodes, cases.resolve(name), List.of("etc", "etc/" + node));
      expectOk.put(name, false);
    }

    // What GNU tar will not write: commons-compress writes it.
    writeRaw(cases.resolve("dir-over-symlink.apkovl.tar.gz"), "etc/x", "/", "etc/x/");
    expectOk.put("dir-over-symlink.apkovl.tar.gz", false);
    writeRaw(cases.resolve("hardlink-not-held.apkovl.tar.gz"), null, null, "etc/shadow");
    expectOk.put("hardlink-not-held.apkovl.tar.gz", false);
    return expectOk;
  }

  /** etc/, then a symlink {@code link -> target} if given, then {@code last}. */
  private static void writeRaw(Path out, String link, String target, String last)
      throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar =
        new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes))) {
      tar.putArchiveEntry(new TarArchiveEntry("etc/", true));
      tar.closeArchiveEntry();
      if (link != null) {
        TarArchiveEntry symlink = new TarArchiveEntry(link, TarConstants.LF_SYMLINK, true);
        symlink.setLinkName(target);
        tar.putArchiveEntry(symlink);
        tar.closeArchiveEntry();
        tar.putArchiveEntry(new TarArchiveEntry(last, true));
      } else {
        TarArchiveEntry hard = new TarArchiveEntry("etc/copy", TarConstants.LF_LINK, true);
        hard.setLinkName(last);
        tar.putArchiveEntry(hard);
      }
      tar.closeArchiveEntry();
    }
    Files.write(out, bytes.toByteArray());
  }

  private long validateInChild(Path cases, Map<String, Boolean> expectOk, Torture.Scenario s)
      throws Exception {
    Path log = tmp.resolve("validate.log");
    long start = System.nanoTime();
    Process child =
        CliProcess.startCommand(
            log,
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m",
                "-cp",
                System.getProperty("java.class.path"),
                ValidateManyInChildJvm.class.getName(),
                cases.toString()));
    assertThat(child.waitFor(10, TimeUnit.MINUTES)).isTrue();
    long millis = (System.nanoTime() - start) / 1_000_000;
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(child.exitValue()).as(output).isZero();
    Map<String, String> verdicts = new TreeMap<>();
    long peak = -1;
    for (String line : output.lines().toList()) {
      String[] f = line.split("\t", 3);
      if (f[0].equals("PEAK")) {
        peak = Long.parseLong(f[1]);
        continue;
      }
      assertThat(f).as(line).hasSize(3);
      verdicts.put(f[1], f[0]);
      Boolean ok = expectOk.get(f[1]);
      assertThat(ok).as("unknown case: " + line).isNotNull();
      assertThat(f[0]).as(line).isEqualTo(ok ? "OK" : "INVALID");
      if (!ok) {
        assertThat(f[2]).as(line).startsWith(f[1] + ": ").doesNotContain("\\n");
      }
      s.trial();
    }
    assertThat(verdicts.keySet()).as("every case reported").isEqualTo(expectOk.keySet());
    assertThat(peak).as("peak heap of the child").isPositive().isLessThan(64L << 20);
    return millis;
  }

  private static int checkFstabLabels(Torture.Scenario s) throws Exception {
    VolumeIdentityResolver resolver = new VolumeIdentityResolver(new SecureRandom());
    Map<String, String> kept = new LinkedHashMap<>();
    kept.put("LABEL=MY\\040CARD", "MY CARD");
    kept.put("LABEL=piboot", "piboot");
    kept.put("LABEL=Pi\\040Boot", "Pi Boot");
    kept.put("LABEL=PIBOOT", "PIBOOT");
    for (Map.Entry<String, String> c : kept.entrySet()) {
      VolumeIdentity id = resolve(resolver, c.getKey());
      assertThat(id.label()).as(c.getKey()).isEqualTo(c.getValue());
      s.trial();
    }
    List<String> refused =
        List.of(
            "LABEL=alpine-boot-card",
            "LABEL=a.b",
            "LABEL=two\\012lines",
            "LABEL=tab\\011x",
            "LABEL=back\\134slash",
            "LABEL=caf\u00e9");
    for (String spec : refused) {
      Throwable t = catchThrowable(() -> resolve(resolver, spec));
      assertThat(t).as(spec).isInstanceOf(RecoverRefusedException.class);
      assertThat(t.getMessage())
          .as(spec)
          .contains("etc/fstab", spec, "--label")
          .doesNotContain("\n")
          .doesNotContain("\t");
      s.trial();
    }
    return kept.size() + refused.size();
  }

  private static VolumeIdentity resolve(VolumeIdentityResolver resolver, String spec)
      throws RecoverRefusedException {
    return resolver.resolve(
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        List.of(spec + " /media/mmcblk0p1 vfat noauto,ro 0 0"));
  }

  private int checkReleaseTarballs(Torture.Scenario s) throws Exception {
    Path root = Files.createDirectories(tmp.resolve("release/boot")).getParent();
    Files.writeString(root.resolve("start.elf"), "firmware\n");
    Files.writeString(root.resolve("START.ELF"), "other\n");
    Files.writeString(root.resolve("boot/vmlinuz-rpi"), "kernel\n");
    Files.createLink(root.resolve("boot/vmlinuz-hard"), root.resolve("boot/vmlinuz-rpi"));
    Files.createSymbolicLink(root.resolve("boot/vmlinuz"), Path.of("vmlinuz-rpi"));
    Commands.check(root, "mkfifo", "fifo");
    Commands.check(root, "mknod", "null", "c", "1", "3");
    Map<String, List<String>> hostile = new LinkedHashMap<>();
    hostile.put("'start.elf' twice", List.of("start.elf", "boot", "start.elf"));
    hostile.put("'start.elf' and 'START.ELF'", List.of("start.elf", "START.ELF"));
    hostile.put("symbolic link 'boot/vmlinuz'", List.of("boot", "boot/vmlinuz"));
    hostile.put("FIFO 'fifo'", List.of("start.elf", "fifo"));
    hostile.put("device node 'null'", List.of("start.elf", "null"));
    int n = 0;
    for (Map.Entry<String, List<String>> c : hostile.entrySet()) {
      Path tarball = gnuTar(root, "hostile-" + n++ + ".tar.gz", c.getValue());
      Throwable t = catchThrowable(() -> new ReleaseTarball(tarball).list());
      assertThat(t).as(c.getKey()).isInstanceOf(UnusableReleaseException.class);
      assertThat(t.getMessage()).contains(tarball.toString(), c.getKey()).doesNotContain("\n");
      s.trial();
    }
    Path linked =
        gnuTar(root, "linked.tar.gz", List.of("boot", "boot/vmlinuz-rpi", "boot/vmlinuz-hard"));
    List<String> contents = new ArrayList<>();
    new ReleaseTarball(linked)
        .stream(
            java.util.Set.of("boot/vmlinuz-hard"),
            (e, in) -> contents.add(e.path() + "=" + new String(in.readAllBytes())));
    assertThat(contents).containsExactly("boot/vmlinuz-hard=kernel\n");
    s.trial();
    return hostile.size() + 1;
  }

  private void recoverRefusesAHostileRelease(Torture.Scenario s) throws Exception {
    Path card = Cards.make(tmp.resolve("card"));
    String repo = tmp.resolve("vault/repo").toString();
    assertThat(Cli.run("init", "--repo", repo).exitCode()).isZero();
    Cli.Result backup = Cli.run("backup", "--repo", repo, "--source", card.toString());
    assertThat(backup.exitCode()).as(backup.toString()).isZero();
    Path release =
        gnuTar(
            tmp.resolve("release"), "alpine-rpi-hostile.tar.gz", List.of("start.elf", "START.ELF"));
    Path image = tmp.resolve("card.img");

    Cli.Result r =
        Cli.run(
            "recover",
            "--repo",
            repo,
            "--to",
            image.toString(),
            "--alpine-release",
            release.toString(),
            "--yes");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.UNSAFE);
    Torture.assertCleanMessage(r.err(), "recover of a hostile release");
    assertThat(r.err()).contains("'start.elf' and 'START.ELF'").contains("nothing was written");
    assertThat(image).doesNotExist();
    try (var left = Files.list(tmp)) {
      assertThat(left.map(p -> p.getFileName().toString()))
          .as("no temporary image beside the target")
          .noneMatch(name -> name.startsWith("card.img") || name.startsWith(".card.img"));
    }
    s.trial();
  }

  private Path gnuTar(Path root, String name, List<String> members) throws Exception {
    Path out = tmp.resolve(name);
    List<String> command =
        new ArrayList<>(
            List.of(
                Tools.require("tar").toString(),
                "-c",
                "-z",
                "--no-recursion",
                "-f",
                out.toString()));
    command.addAll(members);
    Commands.check(root, command.toArray(String[]::new));
    return out;
  }
}
