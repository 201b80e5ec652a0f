package dev.lbuvault.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, finding 13: release tarballs FAT cannot represent are refused when listed (before a card
 * is written), naming the member; hard links get their target's content. Every tarball is written
 * by real GNU tar from a real directory.
 */
class ReleaseTarballHostileTest {
  @TempDir Path dir;
  Path root;

  @BeforeEach
  void setUp() throws Exception {
    root = Files.createDirectories(dir.resolve("release/boot"));
    root = root.getParent();
    Files.writeString(root.resolve("start.elf"), "firmware\n");
    Files.writeString(root.resolve("boot/vmlinuz-rpi"), "kernel".repeat(1000));
  }

  @Test
  void aHardLinkMemberIsListedAndStreamedWithItsTargetsContent() throws Exception {
    Files.createLink(root.resolve("boot/vmlinuz-copy"), root.resolve("boot/vmlinuz-rpi"));
    ReleaseTarball release = tar("start.elf", "boot", "boot/vmlinuz-rpi", "boot/vmlinuz-copy");
    assertThat(tarListing()).as("GNU tar wrote a hard link member").contains("hrw-");

    Map<String, Long> sizes = new HashMap<>();
    release.list().forEach(e -> sizes.put(e.path(), e.size()));
    Map<String, String> streamed = new HashMap<>();
    release.stream(
        Set.of("boot/vmlinuz-copy", "start.elf"),
        (e, in) -> streamed.put(e.path(), new String(in.readAllBytes())));

    assertThat(sizes).containsEntry("boot/vmlinuz-copy", 6000L).containsEntry("start.elf", 9L);
    assertThat(streamed)
        .containsOnly(
            Map.entry("boot/vmlinuz-copy", "kernel".repeat(1000)),
            Map.entry("start.elf", "firmware\n"));
  }

  @Test
  void aMemberGivenTwiceIsRefusedNamingIt() throws Exception {
    ReleaseTarball release = tar("start.elf", "boot", "boot/vmlinuz-rpi", "start.elf");

    assertRefused(release, "holds 'start.elf' twice; a card can hold only one");
  }

  @Test
  void namesThatDifferOnlyInCaseAreRefusedNamingBoth() throws Exception {
    Files.writeString(root.resolve("START.ELF"), "other\n");
    Files.writeString(root.resolve("Boot"), "a file where a directory is\n");

    assertRefused(
        tar("start.elf", "START.ELF"),
        "holds both 'start.elf' and 'START.ELF', one name on a FAT card, which ignores case");
    assertRefused(
        tar("boot", "boot/vmlinuz-rpi", "Boot"),
        "holds both 'boot' and 'Boot', one name on a FAT card, which ignores case");
  }

  @Test
  void aSymbolicLinkIsRefusedNamingIt() throws Exception {
    Files.createSymbolicLink(root.resolve("boot/vmlinuz"), Path.of("vmlinuz-rpi"));

    assertRefused(
        tar("boot", "boot/vmlinuz-rpi", "boot/vmlinuz"),
        "holds a symbolic link 'boot/vmlinuz', which a FAT card cannot hold");
  }

  @Test
  void aFifoOrDeviceNodeIsRefusedNamingIt() throws Exception {
    Commands.check(root, "mkfifo", "fifo");
    assertRefused(tar("start.elf", "fifo"), "holds a FIFO 'fifo', which a FAT card cannot hold");

    Tools.requireRoot();
    Commands.check(root, "mknod", "null", "c", "1", "3");
    assertRefused(
        tar("start.elf", "null"), "holds a device node 'null', which a FAT card cannot hold");
  }

  private ReleaseTarball tar(String... members) throws Exception {
    Path out = dir.resolve("alpine-rpi-3.22.0-aarch64.tar.gz");
    Files.deleteIfExists(out);
    List<String> command =
        new ArrayList<>(
            List.of(
                Tools.require("tar").toString(),
                "-c",
                "-z",
                "--no-recursion",
                "-f",
                out.toString()));
    command.addAll(List.of(members));
    Commands.check(root, command.toArray(String[]::new));
    return new ReleaseTarball(out);
  }

  private String tarListing() throws Exception {
    return Commands.check(
        null, "tar", "-tvzf", dir.resolve("alpine-rpi-3.22.0-aarch64.tar.gz").toString());
  }

  private void assertRefused(ReleaseTarball release, String what) {
    assertThatThrownBy(release::list)
        .isInstanceOf(UnusableReleaseException.class)
        .hasMessage(
            "Alpine release tarball "
                + dir.resolve("alpine-rpi-3.22.0-aarch64.tar.gz")
                + " "
                + what
                + (what.endsWith("cannot hold")
                    ? "; use Alpine's own alpine-rpi-<version>-<arch>.tar.gz"
                    : ""));
  }
}
