package dev.lbuvault.cli;

import dev.lbuvault.device.BlockDevices;
import dev.lbuvault.device.LinuxPaths;
import dev.lbuvault.device.TargetSafety;
import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.recover.CardItem;
import dev.lbuvault.recover.Progress;
import dev.lbuvault.recover.RecoverRefusedException;
import dev.lbuvault.recover.RecoverRequest;
import dev.lbuvault.recover.RecoverService;
import dev.lbuvault.recover.RecoveryPlan;
import dev.lbuvault.recover.RecoveryResult;
import dev.lbuvault.recover.SourceDamagedException;
import dev.lbuvault.recover.VerifiedSource;
import dev.lbuvault.repo.ReadLock;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.text.ByteSizes;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lbuvault recover}: writes a bootable card (device or image) from a version. */
@Command(
    name = "recover",
    mixinStandardHelpOptions = true,
    description = {
      "Rebuild a bootable Alpine Raspberry Pi card from a version, onto a whole-disk block",
      "device or an image file, and verify it by reading every written byte back.",
      "Every file from the repository is checked against the version's SHA256SUMS first.",
      "Exit 3 when the target is unsafe or the version cannot boot (nothing written);",
      "exit 4 when a file of the version is damaged (the message names a version to use)."
    })
final class RecoverCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin RepoOptions repoOptions;
  @Mixin PasswordOption passwordOption;

  @Option(
      names = "--version",
      paramLabel = "ID|latest",
      defaultValue = "latest",
      description = "Version to recover (default: latest).")
  String version;

  @Option(
      names = "--to",
      paramLabel = "TARGET",
      required = true,
      description = "Whole-disk block device (/dev/sdb, /dev/mmcblk0) or image file (card.img).")
  Path target;

  @Option(
      names = "--size",
      paramLabel = "SIZE",
      converter = OptionConverters.Size.class,
      description =
          "Size to use, e.g. 2G (default: the whole device; for images the content + 25%% + 64 MiB).")
  Long size;

  @Option(
      names = "--alpine-release",
      paramLabel = "TARBALL",
      description =
          "Take boot files from alpine-rpi-<ver>-<arch>.tar.gz; the apkovl, cache/ and usercfg.txt from the version.")
  Path alpineRelease;

  @Option(
      names = "--apkovl",
      paramLabel = "NAME",
      description = "Which apkovl to put on the card when the version holds several.")
  String apkovl;

  @Option(
      names = "--volume-id",
      paramLabel = "XXXX-XXXX",
      converter = OptionConverters.VolumeId.class,
      description = "FAT volume id (default: as recorded, or from the apkovl's fstab).")
  String volumeId;

  @Option(
      names = "--label",
      paramLabel = "NAME",
      converter = OptionConverters.Label.class,
      description = "FAT volume label (default: as recorded, or PIBOOT).")
  String label;

  @Option(names = "--dry-run", description = "Print the plan and boot check; write nothing.")
  boolean dryRun;

  @Option(
      names = "--yes",
      description = "Do not ask for confirmation (scripts); overwrite an existing card image.")
  boolean yes;

  @Option(
      names = "--force",
      description = "Replace an existing file at the image path even if it is not a card image.")
  boolean force;

  @Option(
      names = "--wipe",
      description =
          "Discard (or, where unsupported, zero) the whole device first, so nothing of an old card"
              + " survives in free space; default: write only the blocks the card uses.")
  boolean wipe;

  @Override
  public Integer call() throws Exception {
    // A shared lock on the version keeps prune from deleting it from the plan to the read-back;
    // "latest" is pinned to the id locked here.
    Repository locked = Repository.open(repoOptions.repo, ProcessRunner.system());
    StoredVersion v = locked.version(locked.resolveHost(repoOptions.host()), version);
    try (ReadLock ignored = ReadLock.sharedExisting(locked, v)) {
      version = v.id().value();
      return recover();
    }
  }

  private Integer recover() throws Exception {
    RecoverRequest req =
        OptionValues.convert(
            spec,
            () ->
                new RecoverRequest(
                    repoOptions.repo,
                    repoOptions.host(),
                    version,
                    target,
                    size == null ? OptionalLong.empty() : OptionalLong.of(size),
                    Optional.ofNullable(alpineRelease),
                    Optional.ofNullable(apkovl),
                    Optional.ofNullable(volumeId),
                    Optional.ofNullable(label),
                    dryRun,
                    yes,
                    force,
                    wipe));
    Repository repo = Repository.open(repoOptions.repo, ProcessRunner.system());
    BlockDevices devices = new BlockDevices(LinuxPaths.SYS, LinuxPaths.DEV);
    TargetSafety safety = new TargetSafety(devices, LinuxPaths.MOUNTINFO, LinuxPaths.SWAPS);
    RecoverService service =
        new RecoverService(
            repo,
            devices,
            safety,
            new SecureRandom(),
            UnaryOperator.identity(),
            passwordOption.read());
    try {
      return recover(service, req);
    } catch (SourceDamagedException e) {
      throw new CommandFailure(ExitCodes.DAMAGED, e.getMessage());
    }
  }

  private int recover(RecoverService service, RecoverRequest req) throws Exception {
    RecoveryPlan plan = service.plan(req);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    printPlan(plan, out);
    for (String w : plan.warnings()) {
      err.println("warning: " + w);
    }
    err.flush();
    Progress progress = System.console() != null ? new TerminalProgress(err) : Progress.none();
    VerifiedSource source = service.checkSource(plan, progress);
    if (dryRun) {
      out.println("source    every file matches SHA256SUMS");
      out.println("dry run: nothing was written");
      return ExitCodes.OK;
    }
    if (plan.toDevice() && !yes) {
      confirm(plan, out);
    }
    RecoveryResult r = service.execute(source, req.alpineRelease(), progress);
    double seconds = r.total().toMillis() / 1000.0;
    out.printf(
        "wrote %s to %s in %.1f s (build %.1f s, verify %.1f s, %.1f MB/s); verification: OK%s%n",
        ByteSizes.human(r.bytesWritten()),
        plan.target(),
        seconds,
        r.buildTime().toMillis() / 1000.0,
        r.verifyTime().toMillis() / 1000.0,
        r.bytesWritten() / 1e6 / Math.max(0.001, seconds),
        r.directReadBack()
            ? " (read back with O_DIRECT)"
            : " (page cache not bypassed: the filesystem refused O_DIRECT)");
    return ExitCodes.OK;
  }

  private void confirm(RecoveryPlan plan, PrintWriter out) throws Exception {
    String name = plan.device().name();
    out.println("ALL DATA ON " + plan.target() + " WILL BE LOST:");
    out.println("  " + TargetSafety.describe(plan.device()));
    out.print("Type the device name (" + name + ") to go on: ");
    out.flush();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String answer = in.readLine();
    if (answer == null
        || !(answer.strip().equals(name) || answer.strip().equals(plan.target().toString()))) {
      throw new RecoverRefusedException(
          "not confirmed (expected \"" + name + "\"); nothing was written; use --yes in scripts");
    }
  }

  private static void printPlan(RecoveryPlan p, PrintWriter out) {
    out.printf("version   %s of host %s%n", p.version().id(), p.version().host());
    if (p.toDevice()) {
      out.printf("target    %s%n", TargetSafety.describe(p.device()));
    } else {
      out.printf("target    image file %s, %s%n", p.target(), ByteSizes.human(p.targetBytes()));
    }
    out.printf(
        "layout    MBR, partition 1 at sector 8192 (4 MiB), type 0x0c, bootable, %s; FAT32,"
            + " %d-byte clusters%n",
        ByteSizes.human(p.layout().partitionBytes()), p.layout().bytesPerCluster());
    long fromRelease = p.content().items().stream().filter(CardItem::fromRelease).count();
    out.printf(
        "content   %d files, %s%s; %s to write%n",
        p.content().items().size(),
        ByteSizes.human(p.content().dataBytes()),
        fromRelease > 0 ? " (" + fromRelease + " from the Alpine release)" : "",
        ByteSizes.human(p.layout().usedBytes()));
    out.printf("apkovl    %s%n", p.content().apkovl() == null ? "none" : p.content().apkovl());
    out.printf("volume id %s (from %s)%n", p.identity().volumeIdText(), p.identity().idSource());
    out.printf("label     %s (from %s)%n", p.identity().label(), p.identity().labelSource());
    out.printf(
        "boot      OK: config.txt, cmdline.txt, kernel and initramfs, firmware, boot repository%s%n",
        p.bootCheck().missingPackages().isEmpty()
            ? "; every world package has an .apk"
            : "; " + p.bootCheck().missingPackages().size() + " world package(s) without an .apk");
    out.flush();
  }
}
