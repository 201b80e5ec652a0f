package dev.lbuvault.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.Tools;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/** Builds apkovls for the tests: with GNU tar exactly as lbu does, or in memory. */
final class ApkovlFixtures {
  static final List<String> WORLD = List.of("alpine-base", "chrony", "openssh", "e2fsprogs");
  static final String FSTAB_LINE = "UUID=1A2B-3C4D /media/mmcblk0p1 vfat noauto,ro 0 0";

  /** What lbu's apk audit would list, in lbu's order; names are relative to the root. */
  static final List<String> LBU_MEMBERS =
      List.of(
          "etc",
          "etc/apk",
          "etc/apk/world",
          "etc/apk/repositories",
          "etc/apk/cache",
          "etc/hostname",
          "etc/shadow",
          "etc/fstab",
          "etc/motd-caf\u00e9");

  private ApkovlFixtures() {}

  /**
   * Builds {@code rpi.apkovl.tar.gz} in {@code dir} from a fake root the way {@code lbu commit}
   * does: {@code tar -c --no-recursion -T - -z} run from the root with the file list on stdin.
   */
  static Path lbuApkovl(Path dir) throws IOException, InterruptedException {
    Path tar = Tools.require("tar");
    Path root = Files.createDirectories(dir.resolve("root"));
    Files.createDirectories(root.resolve("etc/apk"));
    Files.writeString(root.resolve("etc/apk/world"), String.join("\n", WORLD) + "\n");
    Files.writeString(
        root.resolve("etc/apk/repositories"), "/media/mmcblk0p1/apks\nhttps://cdn/v3.20/main\n");
    Files.createSymbolicLink(root.resolve("etc/apk/cache"), Path.of("/media/mmcblk0p1/cache"));
    Files.writeString(root.resolve("etc/hostname"), "rpi\n");
    Files.writeString(root.resolve("etc/shadow"), "root:*:19000:0:::::\n");
    Files.setPosixFilePermissions(
        root.resolve("etc/shadow"), PosixFilePermissions.fromString("rw-r-----"));
    Files.writeString(
        root.resolve("etc/fstab"), "# card\n" + FSTAB_LINE + "\n/dev/cdrom /media/cdrom iso9660\n");
    // Created by the shell from octal escapes so the test does not depend on the JVM's file-name
    // encoding (a POSIX locale could not even express the name as a Java Path).
    run(root, null, "sh", "-c", "echo hello > \"etc/motd-caf$(printf '\\303\\251')\"");
    Path out = dir.resolve("rpi.apkovl.tar.gz");
    run(
        root,
        String.join("\n", LBU_MEMBERS) + "\n",
        tar.toString(),
        "-c",
        "--no-recursion",
        "-T",
        "-",
        "-z",
        "-f",
        out.toString());
    return out;
  }

  /** Runs a command in {@code cwd}, feeding {@code stdin} as UTF-8, and insists on success. */
  static void run(Path cwd, String stdin, String... command)
      throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder(command)
            .directory(cwd.toFile())
            .redirectErrorStream(true)
            .redirectOutput(cwd.resolve(".command-output").toFile())
            .start();
    try (OutputStream in = process.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    }
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("%s finished", command[0]).isTrue();
    String output = Files.readString(cwd.resolve(".command-output"));
    Files.delete(cwd.resolve(".command-output"));
    assertThat(process.exitValue()).as("exit status of %s: %s", List.of(command), output).isZero();
  }

  /** A tar stream builder over commons-compress for archives GNU tar will not write. */
  static final class TarBuilder {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes);

    TarBuilder() {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_GNU);
    }

    /** Non-ASCII names get PAX records, as GNU tar --format=posix would write. */
    TarBuilder paxForNonAscii() {
      tar.setAddPaxHeadersForNonAsciiNames(true);
      return this;
    }

    /** Long names go into PAX records instead of GNU long-name records. */
    TarBuilder paxLongNames() {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      return this;
    }

    TarBuilder file(String name, String content) throws IOException {
      return file(name, content.getBytes(StandardCharsets.UTF_8));
    }

    TarBuilder file(String name, byte[] content) throws IOException {
      TarArchiveEntry entry = new TarArchiveEntry(name, true);
      entry.setSize(content.length);
      tar.putArchiveEntry(entry);
      tar.write(content);
      tar.closeArchiveEntry();
      return this;
    }

    TarBuilder dir(String name) throws IOException {
      tar.putArchiveEntry(new TarArchiveEntry(name.endsWith("/") ? name : name + "/", true));
      tar.closeArchiveEntry();
      return this;
    }

    TarBuilder symlink(String name, String target) throws IOException {
      TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
      entry.setLinkName(target);
      tar.putArchiveEntry(entry);
      tar.closeArchiveEntry();
      return this;
    }

    TarBuilder hardLink(String name, String target) throws IOException {
      TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
      entry.setLinkName(target);
      tar.putArchiveEntry(entry);
      tar.closeArchiveEntry();
      return this;
    }

    /** The finished tar, with end-of-archive records and padding. */
    byte[] tar() throws IOException {
      tar.close();
      return bytes.toByteArray();
    }
  }

  /** A plausible apkovl built in memory, exercising GNU long names, PAX records and links. */
  static byte[] inMemoryTar() throws IOException {
    return new TarBuilder()
        .paxForNonAscii()
        .dir("etc")
        .dir("etc/apk")
        .file("etc/apk/world", String.join("\n", WORLD) + "\n")
        .symlink("etc/apk/cache", "/media/mmcblk0p1/cache")
        .file("etc/hostname", "rpi\n")
        .file("etc/motd-caf\u00e9", "hello\n")
        .file("etc/fstab", FSTAB_LINE + "\n")
        .file("etc/" + "long-name-".repeat(15) + "conf", "x=1\n")
        .hardLink("etc/hostname.bak", "etc/hostname")
        .tar();
  }

  static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GzipCompressorOutputStream gz = new GzipCompressorOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }

  static Path write(Path dir, String name, byte[] content) throws IOException {
    return Files.write(dir.resolve(name), content);
  }
}
