package dev.lbuvault.kernel;

import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Tools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Linux guest under QEMU's software emulation (TCG: /dev/kvm does not work on the build machines)
 * that reads card images with the kernel's own MBR parser and vfat driver. {@code
 * test-fixtures/kernel-judge/prepare} downloads Debian's default amd64 kernel (cached by package
 * version) and builds an initramfs whose {@code init} reports every disk's partition 1 on the
 * second serial port, and runs mkinitfs's nlplug-findfs (built from {@code
 * test-fixtures/nlplug-findfs}) against each disk alone; {@link GuestReport} parses that report.
 */
final class KernelGuest {
  private static final Duration BOOT_TIMEOUT = Duration.ofMinutes(4);
  private static final int CONSOLE_TAIL_LINES = 40;

  private final Path vmlinuz;
  private final Path initramfs;
  private final String kernelPackage;

  private KernelGuest(Path vmlinuz, Path initramfs, String kernelPackage) {
    this.vmlinuz = vmlinuz;
    this.initramfs = initramfs;
    this.kernelPackage = kernelPackage;
  }

  /**
   * Prepares the kernel and initramfs in {@code dir}. The kernel package's extract is cached in
   * {@code $LBUVAULT_KERNEL_CACHE}, else in {@code target/kernel-judge-cache}, so only the first
   * run downloads it.
   */
  static KernelGuest prepare(Path dir) throws IOException {
    for (String tool :
        List.of("qemu-system-x86_64", "apt-get", "dpkg-deb", "cpio", "busybox", "gcc", "ldd")) {
      Tools.require(tool);
    }
    // nlplug-findfs is built in prepare from mkinitfs's source against these libraries.
    Tools.requireLibraries("blkid", "libkmod", "libcryptsetup");
    String cacheEnv = System.getenv("LBUVAULT_KERNEL_CACHE");
    Path cache =
        cacheEnv != null && !cacheEnv.isEmpty()
            ? Path.of(cacheEnv)
            : Path.of(System.getProperty("user.dir"), "target", "kernel-judge-cache");
    Path script =
        Path.of(System.getProperty("user.dir"), "test-fixtures", "kernel-judge", "prepare");
    String out = Commands.check(null, "bash", script.toString(), cache.toString(), dir.toString());
    return new KernelGuest(dir.resolve("vmlinuz"), dir.resolve("initramfs.gz"), out.strip());
  }

  /** The Debian kernel package booted, as "name version". */
  String kernelPackage() {
    return kernelPackage;
  }

  /** What one boot printed: the report of the second serial port and the console's last lines. */
  record Boot(GuestReport report, String consoleTail, Duration elapsed) {}

  /**
   * Boots with {@code images} attached read-only as virtio disks vda, vdb... and waits (bounded)
   * for the guest to power off. The guest also resolves each of {@code findSpecs} ({@code
   * UUID=...}, {@code LABEL=...}) with busybox's findfs.
   */
  Boot boot(List<Path> images, List<String> findSpecs, Path workDir)
      throws IOException, InterruptedException {
    Path console = workDir.resolve("console.log");
    Path report = workDir.resolve("report.txt");
    Path qemuLog = workDir.resolve("qemu.log");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "qemu-system-x86_64",
                "-accel",
                "tcg",
                "-nodefaults",
                "-display",
                "none",
                "-no-reboot",
                "-m",
                "256",
                "-smp",
                "1",
                "-serial",
                "file:" + console,
                "-serial",
                "file:" + report,
                "-kernel",
                vmlinuz.toString(),
                "-initrd",
                initramfs.toString(),
                "-append",
                "console=ttyS0 panic=-1 quiet judge.disks="
                    + images.size()
                    + " judge.find="
                    + String.join(",", findSpecs)));
    for (Path image : images) {
      cmd.add("-drive");
      // readonly=on: the guest cannot write the card even if its driver tried to.
      cmd.add("file=" + image + ",format=raw,if=virtio,readonly=on");
    }
    long start = System.nanoTime();
    Process qemu =
        new ProcessBuilder(cmd)
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .redirectErrorStream(true)
            .redirectOutput(qemuLog.toFile())
            .start();
    boolean exited = qemu.waitFor(BOOT_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    if (!exited) {
      qemu.destroyForcibly().waitFor();
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    String tail = tail(console) + "\n--- qemu\n" + tail(qemuLog);
    if (!exited) {
      throw new AssertionError(
          "QEMU did not power off within " + BOOT_TIMEOUT + "; console tail:\n" + tail);
    }
    if (qemu.exitValue() != 0) {
      throw new AssertionError("QEMU exited " + qemu.exitValue() + "; console tail:\n" + tail);
    }
    return new Boot(GuestReport.parse(read(report)), tail, elapsed);
  }

  private static String read(Path file) throws IOException {
    return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
  }

  private static String tail(Path file) throws IOException {
    List<String> lines = read(file).lines().toList();
    return String.join(
        "\n", lines.subList(Math.max(0, lines.size() - CONSOLE_TAIL_LINES), lines.size()));
  }
}
