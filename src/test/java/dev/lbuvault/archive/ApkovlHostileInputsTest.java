package dev.lbuvault.archive;

import static dev.lbuvault.archive.ApkovlFixtures.gzip;
import static dev.lbuvault.archive.ApkovlFixtures.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.lbuvault.archive.ApkovlFixtures.TarBuilder;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Tools;
import java.io.BufferedOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 9, findings 9 and 10: zero padding beyond what any tar writer produces, and members that
 * extraction as root would make dangerous (writes through an earlier symbolic link, device nodes,
 * FIFOs, hard links to what the archive does not hold). Archives come from real GNU tar wherever
 * GNU tar can write them.
 */
class ApkovlHostileInputsTest {
  @TempDir Path dir;
  private final ApkovlValidator validator = new ApkovlValidator();

  @ParameterizedTest(name = "GNU tar -b {0}")
  @ValueSource(ints = {1, 20, 128, 2048})
  void gnuTarOutputIsAcceptedWhateverItsBlockingFactor(int blockingFactor) throws Exception {
    for (int size : new int[] {1, 600, 20_000, 100_000}) {
      Path root = HostileArchives.fakeRoot(dir.resolve("root-" + blockingFactor + "-" + size));
      Files.write(root.resolve("etc/blob"), new byte[size]);
      Path apkovl =
          HostileArchives.gnuTar(
              root,
              dir.resolve("b" + blockingFactor + "-" + size + ".apkovl.tar.gz"),
              List.of("etc", "etc/hostname", "etc/apk", "etc/apk/world", "etc/blob"),
              "-b",
              String.valueOf(blockingFactor));

      assertThat(validator.validate(apkovl).entryCount()).as("size %d", size).isEqualTo(5);
    }
  }

  @Test
  void busyboxTarOutputIsAccepted() throws Exception {
    Path busybox = Tools.require("busybox");
    Path root = HostileArchives.fakeRoot(dir.resolve("root"));
    Path apkovl = dir.resolve("rpi.apkovl.tar.gz");
    Commands.check(root, busybox.toString(), "tar", "-czf", apkovl.toString(), "etc");

    assertThat(validator.validate(apkovl).worldPackages()).containsExactly("alpine-base");
  }

  @Test
  void zeroPaddingUpToOneMebibyteIsAcceptedAndOneRecordMoreIsNot() throws Exception {
    byte[] tar = HostileArchives.smallTar(dir);
    Path atLimit =
        HostileArchives.zeroPadded(
            dir.resolve("limit.apkovl.tar.gz"), tar, ApkovlValidator.MAX_PADDING_BYTES);
    Path over =
        HostileArchives.zeroPadded(
            dir.resolve("over.apkovl.tar.gz"), tar, ApkovlValidator.MAX_PADDING_BYTES + 1024);

    assertThat(validator.validate(atLimit).entryCount()).isEqualTo(2);
    InvalidApkovlException e = rejected(over);
    assertThat(e.defect())
        .startsWith("more than 1 MiB of zeros after the tar end-of-archive marker at tar offset ");
    assertThat(e.getMessage()).endsWith(": " + DefectException.NOT_APKOVL);
  }

  @Test
  void fourGibibytesOfZerosAfterASmallTarAreRejectedAfterReadingLittle() throws Exception {
    Path apkovl =
        HostileArchives.zeroPadded(
            dir.resolve("rpi.apkovl.tar.gz"), HostileArchives.smallTar(dir), 4L << 30);
    long fileSize = Files.size(apkovl);
    long[] consumed = new long[1];
    long cpuBefore = threadCpuNanos();

    Throwable thrown;
    try (InputStream in = counting(Files.newInputStream(apkovl), consumed)) {
      thrown = catchThrowable(() -> validator.validatePlaintext("rpi.apkovl.tar.gz", in));
    }
    long cpuMillis = (threadCpuNanos() - cpuBefore) / 1_000_000;

    assertThat(thrown).isInstanceOf(InvalidApkovlException.class);
    assertThat(((InvalidApkovlException) thrown).defect()).startsWith("more than 1 MiB of zeros");
    assertThat(fileSize).as("the gzip file is a few MiB").isGreaterThan(4L << 20);
    assertThat(consumed[0])
        .as("bytes of the %d-byte file read before the verdict", fileSize)
        .isLessThan(256L << 10);
    assertThat(cpuMillis).as("CPU time of the verdict").isLessThan(2_000);
  }

  @Test
  void aMemberWrittenThroughAnEarlierRelativeSymlinkIsRejected() throws Exception {
    // etc/x -> ../.. leads from root/etc to root's parent, where GNU tar finds tmp/pwned.
    Path root = HostileArchives.fakeRoot(dir.resolve("root"));
    Files.createSymbolicLink(root.resolve("etc/x"), Path.of("../.."));
    Files.createDirectories(dir.resolve("tmp"));
    Files.writeString(dir.resolve("tmp/pwned"), "x\n");
    Path apkovl =
        HostileArchives.gnuTar(
            root,
            dir.resolve("rpi.apkovl.tar.gz"),
            List.of("etc", "etc/hostname", "etc/x", "etc/x/tmp/pwned"));

    InvalidApkovlException e = rejected(apkovl);
    assertThat(e.defect())
        .isEqualTo(
            "member 'etc/x/tmp/pwned' goes through 'etc/x', a symbolic link made by an earlier"
                + " member");
    assertThat(e.getMessage()).endsWith(": " + DefectException.UNSAFE);
  }

  @Test
  void aMemberWrittenThroughAnAbsoluteSymlinkIsRejected() throws Exception {
    Path root = HostileArchives.fakeRoot(dir.resolve("root"));
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Files.writeString(outside.resolve("pwned"), "x\n");
    Files.createSymbolicLink(root.resolve("etc/y"), outside.toAbsolutePath());
    Path apkovl =
        HostileArchives.gnuTar(
            root, dir.resolve("rpi.apkovl.tar.gz"), List.of("etc", "etc/y", "./etc//y/./pwned"));

    assertThat(rejected(apkovl).defect())
        .isEqualTo(
            "member './etc//y/./pwned' goes through 'etc/y', a symbolic link made by an earlier"
                + " member");
  }

  @Test
  void aChainOfSymlinksIsCaughtAtTheLinkItWritesThrough() throws Exception {
    Path root = HostileArchives.fakeRoot(dir.resolve("root"));
    Files.createSymbolicLink(root.resolve("etc/a"), Path.of(".."));
    Files.createSymbolicLink(root.resolve("etc/b"), Path.of("a"));
    Path apkovl =
        HostileArchives.gnuTar(
            root,
            dir.resolve("rpi.apkovl.tar.gz"),
            List.of("etc", "etc/a", "etc/b", "etc/b/etc/hostname"));

    assertThat(rejected(apkovl).defect())
        .contains("member 'etc/b/etc/hostname' goes through 'etc/b'");
  }

  @Test
  void symlinksThatOnlyPointAnywhereAreAcceptedAsLbuWritesThem() throws Exception {
    // etc/localtime and etc/apk/cache are absolute links in every real apkovl.
    Path root = HostileArchives.fakeRoot(dir.resolve("root"));
    Files.createSymbolicLink(root.resolve("etc/localtime"), Path.of("/usr/share/zoneinfo/UTC"));
    Files.createSymbolicLink(root.resolve("etc/up"), Path.of("../../.."));
    Path apkovl =
        HostileArchives.gnuTar(
            root,
            dir.resolve("rpi.apkovl.tar.gz"),
            List.of("etc", "etc/localtime", "etc/up", "etc/up", "etc/hostname"));

    assertThat(validator.validate(apkovl).entryCount()).isEqualTo(5);
  }

  @Test
  void aDirectoryMemberAtAnEarlierSymlinksPathIsRejected() throws Exception {
    // Extractors apply the directory's owner and mode with chmod/chown, which follow the link.
    Path apkovl =
        apkovlOf(new TarBuilder().dir("etc").symlink("etc/x", "/").dir("etc/x").file("etc/a", ""));

    assertThat(rejected(apkovl).defect())
        .isEqualTo("member 'etc/x/' replaces the symbolic link an earlier member made there");
  }

  @Test
  void hardLinksThroughSymlinksOrToWhatTheArchiveDoesNotHoldAreRejected() throws Exception {
    Path through =
        apkovlOf(
            new TarBuilder()
                .dir("etc")
                .symlink("etc/x", "/")
                .hardLink("etc/shadow-copy", "etc/x/etc/shadow"));
    Path notHeld = apkovlOf(new TarBuilder().dir("etc").hardLink("etc/copy", "etc/shadow"));
    Path earlier =
        apkovlOf(new TarBuilder().dir("etc").file("etc/a", "a").hardLink("etc/b", "./etc/a"));

    assertThat(rejected(through).defect())
        .isEqualTo(
            "hard link 'etc/shadow-copy' to 'etc/x/etc/shadow' goes through 'etc/x', a symbolic"
                + " link made by an earlier member");
    assertThat(rejected(notHeld).defect())
        .isEqualTo(
            "hard link 'etc/copy' points at 'etc/shadow', which is not an earlier file of the"
                + " archive");
    assertThat(validator.validate(earlier).entryCount()).isEqualTo(3);
  }

  @Test
  void gnuTarHardLinksToEarlierFilesAreAccepted() throws Exception {
    Path root = HostileArchives.fakeRoot(dir.resolve("root"));
    Files.createLink(root.resolve("etc/hostname.bak"), root.resolve("etc/hostname"));
    Path apkovl =
        HostileArchives.gnuTar(
            root,
            dir.resolve("rpi.apkovl.tar.gz"),
            List.of("etc", "etc/hostname", "etc/hostname.bak"));

    assertThat(validator.validate(apkovl).entryCount()).isEqualTo(3);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"c 1 1:character device", "b 7 0:block device", "p:FIFO"})
  void deviceNodesAndFifosAreRejected(String spec) throws Exception {
    Tools.requireRoot();
    String[] parts = spec.split(":");
    Path root = HostileArchives.fakeRoot(dir.resolve("root"));
    List<String> mknod = new java.util.ArrayList<>(List.of("mknod", "etc/node"));
    mknod.addAll(Arrays.asList(parts[0].split(" ")));
    Commands.check(root, mknod.toArray(String[]::new));
    Path apkovl =
        HostileArchives.gnuTar(
            root, dir.resolve("rpi.apkovl.tar.gz"), List.of("etc", "etc/hostname", "etc/node"));

    InvalidApkovlException e = rejected(apkovl);
    assertThat(e.defect())
        .isEqualTo(parts[1] + " member 'etc/node': lbu writes only files, directories and links");
    assertThat(e.getMessage()).endsWith(": " + DefectException.DANGEROUS);
  }

  @Test
  void namesBeyondTheTrackingBudgetAreRefusedNotHeld() throws Exception {
    // 4,200 files with 4,000-character GNU long names: more than MemberTree may keep, each legal.
    // The records are written by hand: commons-compress's writer is quadratic in a name's length.
    Path apkovl = dir.resolve("long.apkovl.tar.gz");
    try (OutputStream out =
        new GzipCompressorOutputStream(
            new BufferedOutputStream(Files.newOutputStream(apkovl), 1 << 16))) {
      out.write(header(new TarArchiveEntry("etc/"), 0));
      String padding = "x".repeat(4000);
      for (int i = 0; i < 4_200; i++) {
        byte[] name = ("etc/" + i + padding).getBytes(StandardCharsets.US_ASCII);
        out.write(
            header(
                new TarArchiveEntry("././@LongLink", TarConstants.LF_GNUTYPE_LONGNAME),
                name.length));
        out.write(Arrays.copyOf(name, (name.length / 512 + 1) * 512));
        out.write(header(new TarArchiveEntry("etc/f" + i), 0));
      }
      out.write(new byte[1024]);
    }

    assertThat(rejected(apkovl).defect()).startsWith("member names take more than 16 MiB (");
  }

  private static byte[] header(TarArchiveEntry entry, long size) {
    entry.setSize(size);
    byte[] record = new byte[512];
    entry.writeEntryHeader(record);
    return record;
  }

  private InvalidApkovlException rejected(Path file) {
    Throwable thrown = catchThrowable(() -> validator.validate(file));
    assertThat(thrown).isInstanceOf(InvalidApkovlException.class);
    InvalidApkovlException e = (InvalidApkovlException) thrown;
    assertThat(e.getMessage()).startsWith(file.getFileName() + ": ").doesNotContain("\n");
    return e;
  }

  private int built;

  private Path apkovlOf(TarBuilder builder) throws IOException {
    return write(dir, "test" + ++built + ".apkovl.tar.gz", gzip(builder.tar()));
  }

  private static long threadCpuNanos() {
    return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
  }

  private static InputStream counting(InputStream in, long[] count) {
    return new FilterInputStream(in) {
      @Override
      public int read() throws IOException {
        int b = super.read();
        count[0] += b >= 0 ? 1 : 0;
        return b;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        count[0] += Math.max(n, 0);
        return n;
      }
    };
  }
}
