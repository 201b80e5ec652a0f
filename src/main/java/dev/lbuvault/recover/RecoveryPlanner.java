package dev.lbuvault.recover;

import dev.lbuvault.archive.ApkovlSummary;
import dev.lbuvault.archive.ApkovlValidator;
import dev.lbuvault.archive.InvalidApkovlException;
import dev.lbuvault.archive.ReleaseTarball;
import dev.lbuvault.boot.BootCheck;
import dev.lbuvault.boot.CardFiles;
import dev.lbuvault.boot.PackageCheck;
import dev.lbuvault.crypto.Password;
import dev.lbuvault.device.BlockDeviceInfo;
import dev.lbuvault.device.BlockDevices;
import dev.lbuvault.device.DeviceIdentity;
import dev.lbuvault.device.LinuxPaths;
import dev.lbuvault.device.NotABlockDeviceException;
import dev.lbuvault.device.Refusal;
import dev.lbuvault.device.TargetSafety;
import dev.lbuvault.image.FatFile;
import dev.lbuvault.image.FatLayout;
import dev.lbuvault.image.FatLayoutException;
import dev.lbuvault.image.FatSpec;
import dev.lbuvault.repo.ApkovlRecord;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.RepositoryException;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.repo.VersionMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Decides everything about a recovery before a byte is written: the content, the boot check, the
 * volume identity, the target (a device that passes {@link TargetSafety}, or an image path that
 * {@link ImageTarget} accepts) and the FAT layout. Every refusal happens here, with nothing
 * written.
 */
final class RecoveryPlanner {
  private static final long MIB = 1L << 20;
  private static final long PARTITION_START = RecoveryPlan.PARTITION_OFFSET;

  private final Repository repository;
  private final BlockDevices devices;
  private final TargetSafety safety;
  private final SecureRandom random;
  private final SourceVerifier verifier;
  private final Optional<Password> apkovlPassword;

  RecoveryPlanner(
      Repository repository,
      BlockDevices devices,
      TargetSafety safety,
      SecureRandom random,
      Optional<Password> apkovlPassword) {
    this.apkovlPassword = apkovlPassword;
    this.repository = repository;
    this.verifier = new SourceVerifier(repository);
    this.devices = devices;
    this.safety = safety;
    this.random = random;
  }

  RecoveryPlan plan(RecoverRequest req)
      throws IOException, RepositoryException, RecoverRefusedException, SourceDamagedException {
    String host = repository.resolveHost(req.host());
    StoredVersion version = repository.version(host, req.version());
    List<String> warnings = new ArrayList<>();
    VersionMetadata metadata = readMetadata(version, warnings);
    Optional<ReleaseTarball> release = req.alpineRelease().map(ReleaseTarball::new);
    Optional<String> hostApkovl =
        Optional.ofNullable(metadata).map(VersionMetadata::apkovl).map(ApkovlRecord::name);
    CardContent content = new CardContentPlanner().plan(version, hostApkovl, req.apkovl(), release);
    for (String left : content.leftOut()) {
      if (!left.endsWith("(replaced by the Alpine release)")) {
        warnings.add("left out: " + left);
      }
    }
    ApkovlSummary apkovl = readApkovl(version, req, content, warnings);
    BootCheck.Result boot = checkBoot(version, content, apkovl, warnings);
    VolumeIdentity identity =
        new VolumeIdentityResolver(random)
            .resolve(
                req.volumeId(),
                req.label(),
                Optional.ofNullable(metadata).map(VersionMetadata::card),
                apkovl == null ? List.of() : apkovl.fstabLines());
    List<FatFile> files = new ArrayList<>();
    for (CardItem item : content.items()) {
      files.add(new FatFile(item.path(), item.size(), item.mtime()));
    }
    long minimumPartition = minimumPartition(files, content.directories());
    BlockDeviceInfo device = null;
    DeviceIdentity deviceIdentity = null;
    long targetBytes;
    if (isDevicePath(req.target())) {
      deviceIdentity = identify(req.target());
      device = checkDevice(req.target(), req.sizeBytes(), minimumPartition, warnings);
      targetBytes = req.sizeBytes().orElse(device.sizeBytes());
    } else {
      ImageTarget.checkPath(req, repository.root());
      targetBytes =
          req.sizeBytes().orElse(defaultImageBytes(content.dataBytes(), minimumPartition));
    }
    FatLayout layout =
        layout(req, files, content.directories(), targetBytes, minimumPartition, identity);
    return new RecoveryPlan(
        version,
        content,
        req.target(),
        device,
        deviceIdentity,
        targetBytes,
        layout,
        identity,
        boot,
        warnings,
        req);
  }

  private static VersionMetadata readMetadata(StoredVersion version, List<String> warnings) {
    try {
      return VersionMetadata.read(version.metadata());
    } catch (IOException e) {
      warnings.add(e.getMessage() + "; the volume id is taken from the apkovl instead");
      return null;
    }
  }

  private static BootCheck.Result checkBoot(
      StoredVersion version, CardContent content, ApkovlSummary apkovl, List<String> warnings)
      throws RecoverRefusedException {
    List<String> world = apkovl == null ? List.of() : apkovl.worldPackages();
    Set<String> paths = new HashSet<>();
    Map<String, Path> versionFiles = new HashMap<>();
    for (CardItem i : content.items()) {
      paths.add(i.path());
      if (!i.fromRelease()) {
        versionFiles.put(i.path(), i.versionFile());
      }
    }
    // Indexes that come from a release tarball are not read: their packages count by file name.
    CardFiles files =
        path ->
            versionFiles.containsKey(path) ? Files.newInputStream(versionFiles.get(path)) : null;
    BootCheck.Result boot =
        BootCheck.check(paths, content.configTxt(), world, PackageCheck.load(paths, files));
    if (!boot.bootable()) {
      throw new RecoverRefusedException(
          "version "
              + version.id()
              + " cannot boot: missing "
              + String.join(", ", boot.missingBootFiles())
              + "; recover with --alpine-release alpine-rpi-<version>-<arch>.tar.gz to take the"
              + " boot files from an Alpine release; nothing was written");
    }
    if (!boot.missingPackages().isEmpty()) {
      warnings.add(
          "packages of etc/apk/world with no .apk in apks/ or cache/: "
              + String.join(", ", boot.missingPackages())
              + " (the host needs network at first boot)");
    }
    for (String problem : boot.packageIndexProblems()) {
      warnings.add(problem);
    }
    return boot;
  }

  private BlockDeviceInfo checkDevice(
      Path target, java.util.OptionalLong size, long minimumPartition, List<String> warnings)
      throws IOException, RecoverRefusedException {
    BlockDeviceInfo device = inspectDevice(target);
    long targetBytes = size.orElse(device.sizeBytes());
    long required = Math.max(PARTITION_START + minimumPartition, targetBytes);
    List<Refusal> refusals = safety.check(target, required, protectedPaths());
    if (!refusals.isEmpty()) {
      throw new RecoverRefusedException(refusals.stream().map(Refusal::reason).toList());
    }
    warnings.addAll(safety.warnings(device));
    return device;
  }

  /** Paths that must not live on a target device: the repository, the running Java, "/". */
  List<Path> protectedPaths() {
    return List.of(repository.root(), Path.of(System.getProperty("java.home")), LinuxPaths.ROOT);
  }

  private static FatLayout layout(
      RecoverRequest req,
      List<FatFile> files,
      List<String> directories,
      long targetBytes,
      long minimumPartition,
      VolumeIdentity identity)
      throws RecoverRefusedException {
    long partitionBytes = (targetBytes - PARTITION_START) / MIB * MIB;
    if (partitionBytes < minimumPartition) {
      throw new RecoverRefusedException(
          "the card's files need a partition of at least "
              + minimumPartition
              + " bytes but "
              + req.target()
              + " leaves "
              + Math.max(0, partitionBytes)
              + "; use a larger --size or card; nothing was written");
    }
    try {
      return FatLayout.plan(
          new FatSpec(files, partitionBytes, identity.volumeId(), identity.label(), directories));
    } catch (FatLayoutException e) {
      throw new RecoverRefusedException(e.getMessage() + "; nothing was written");
    }
  }

  /** The default image size: the content plus 25% plus 64 MiB, rounded up to a MiB. */
  static long defaultImageBytes(long dataBytes, long minimumPartition) {
    long partition = dataBytes + dataBytes / 4 + 64 * MIB;
    partition = Math.max(partition, minimumPartition);
    partition = (partition + MIB - 1) / MIB * MIB;
    return PARTITION_START + partition;
  }

  private static long minimumPartition(List<FatFile> files, List<String> directories)
      throws RecoverRefusedException {
    try {
      return FatLayout.minimumPartitionBytes(files, directories);
    } catch (FatLayoutException e) {
      throw new RecoverRefusedException(e.getMessage() + "; nothing was written");
    }
  }

  /** A path is a device target if it is a block device, or names something under /dev. */
  static boolean isDevicePath(Path target) throws IOException {
    if (target.toAbsolutePath().normalize().startsWith("/dev/")) {
      return true;
    }
    if (!Files.exists(target)) {
      return false;
    }
    Object mode = Files.getAttribute(target, "unix:mode");
    return mode instanceof Integer m && (m & 0170000) == 0060000;
  }

  private DeviceIdentity identify(Path target) throws IOException, RecoverRefusedException {
    try {
      return devices.identify(target);
    } catch (NotABlockDeviceException e) {
      throw new RecoverRefusedException(e.getMessage() + "; nothing was written");
    }
  }

  private BlockDeviceInfo inspectDevice(Path target) throws IOException, RecoverRefusedException {
    try {
      return devices.inspect(target);
    } catch (NotABlockDeviceException e) {
      throw new RecoverRefusedException(e.getMessage() + "; nothing was written");
    }
  }

  private ApkovlSummary readApkovl(
      StoredVersion version, RecoverRequest req, CardContent content, List<String> warnings)
      throws IOException, RecoverRefusedException, SourceDamagedException {
    if (content.apkovl() == null) {
      warnings.add(
          "version "
              + version.id()
              + " has no apkovl: the card boots a fresh, unconfigured Alpine");
      return null;
    }
    try {
      ApkovlSummary s =
          new ApkovlValidator(apkovlPassword).validate(version.card().resolve(content.apkovl()));
      if (s.notVerified() != null) {
        warnings.add(
            content.apkovl()
                + " is encrypted and was not opened ("
                + s.notVerified()
                + (apkovlPassword.isEmpty() ? ": give --password-file" : "")
                + "): its etc/fstab and etc/apk/world cannot be read, so the volume id"
                + " must come from the version or --volume-id, and packages are not checked");
      }
      return s;
    } catch (InvalidApkovlException e) {
      verifier.requireMatchesSums(version, req, content.apkovl());
      throw new RecoverRefusedException(
          "the apkovl of version "
              + version.id()
              + " is damaged ("
              + e.getMessage()
              + "); run lbuvault verify and recover another version; nothing was written");
    }
  }
}
