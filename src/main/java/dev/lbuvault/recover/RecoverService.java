package dev.lbuvault.recover;

import dev.lbuvault.archive.ApkovlSummary;
import dev.lbuvault.archive.ApkovlValidator;
import dev.lbuvault.archive.InvalidApkovlException;
import dev.lbuvault.archive.ReleaseTarball;
import dev.lbuvault.device.BlockDeviceInfo;
import dev.lbuvault.device.BlockDevices;
import dev.lbuvault.device.LinuxPaths;
import dev.lbuvault.device.NotABlockDeviceException;
import dev.lbuvault.device.Refusal;
import dev.lbuvault.device.TargetSafety;
import dev.lbuvault.fs.SecureFiles;
import dev.lbuvault.fs.Sha256;
import dev.lbuvault.image.BlockSink;
import dev.lbuvault.image.FatFile;
import dev.lbuvault.image.FatLayout;
import dev.lbuvault.image.FatLayoutException;
import dev.lbuvault.image.FatSpec;
import dev.lbuvault.image.FatWriter;
import dev.lbuvault.image.Mbr;
import dev.lbuvault.image.MbrPartition;
import dev.lbuvault.image.WrittenExtent;
import dev.lbuvault.repo.ApkovlRecord;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.RepositoryException;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.repo.VersionMetadata;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Rebuilds a bootable card from a version. {@link #plan} decides everything and refuses unsafe
 * targets and unbootable content before anything is written; {@link #execute} zeroes stale
 * partition tables, writes the filesystem, reads every written byte back, and only then writes the
 * MBR, so an interrupted or failing card never carries a partition table.
 */
public final class RecoverService {
  private static final long MIB = 1L << 20;
  private static final int MBR_PARTITION_TYPE_FAT32_LBA = 0x0c;

  private final Repository repository;
  private final BlockDevices devices;
  private final TargetSafety safety;
  private final SecureRandom random;
  private final UnaryOperator<BlockSink> sinkFilter;

  /**
   * @param sinkFilter wraps the sink that writes to the target; identity in production, a
   *     fault-injecting sink in tests that simulate a failing card
   */
  public RecoverService(
      Repository repository,
      BlockDevices devices,
      TargetSafety safety,
      SecureRandom random,
      UnaryOperator<BlockSink> sinkFilter) {
    this.repository = repository;
    this.devices = devices;
    this.safety = safety;
    this.random = random;
    this.sinkFilter = sinkFilter;
  }

  /**
   * Decides what would be written where.
   *
   * @throws RecoverRefusedException when the target is unsafe, the content cannot boot or cannot be
   *     put on FAT; nothing has been written
   */
  public RecoveryPlan plan(RecoverRequest req)
      throws IOException, RepositoryException, RecoverRefusedException {
    String host = repository.resolveHost(req.host());
    StoredVersion version = repository.version(host, req.version());
    List<String> warnings = new ArrayList<>();
    VersionMetadata metadata = null;
    try {
      metadata = VersionMetadata.read(version.metadata());
    } catch (IOException e) {
      warnings.add(e.getMessage() + "; the volume id is taken from the apkovl instead");
    }
    Optional<ReleaseTarball> release = req.alpineRelease().map(ReleaseTarball::new);
    Optional<String> hostApkovl =
        Optional.ofNullable(metadata).map(VersionMetadata::apkovl).map(ApkovlRecord::name);
    CardContent content = new CardContentPlanner().plan(version, hostApkovl, req.apkovl(), release);
    for (String left : content.leftOut()) {
      if (!left.endsWith("(replaced by the Alpine release)")) {
        warnings.add("left out: " + left);
      }
    }

    ApkovlSummary apkovl = readApkovl(version, content, warnings);
    List<String> world = apkovl == null ? List.of() : apkovl.worldPackages();
    List<String> fstab = apkovl == null ? List.of() : apkovl.fstabLines();
    Set<String> paths = new HashSet<>();
    content.items().forEach(i -> paths.add(i.path()));
    BootCheck.Result boot = BootCheck.check(paths, content.configTxt(), world);
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

    VolumeIdentity identity =
        new VolumeIdentityResolver(random)
            .resolve(
                req.volumeId(),
                req.label(),
                Optional.ofNullable(metadata).map(VersionMetadata::card),
                fstab);

    List<FatFile> files = new ArrayList<>();
    for (CardItem item : content.items()) {
      files.add(new FatFile(item.path(), item.size(), item.mtime()));
    }
    long minimumPartition = minimumPartition(files);
    BlockDeviceInfo device = null;
    long targetBytes;
    if (isDevicePath(req.target())) {
      device = inspectDevice(req.target());
      targetBytes = req.sizeBytes().orElse(device.sizeBytes());
      long required = Math.max(PARTITION_START + minimumPartition, targetBytes);
      List<Refusal> refusals =
          safety.check(
              req.target(),
              required,
              List.of(
                  repository.root(), Path.of(System.getProperty("java.home")), LinuxPaths.ROOT));
      if (!refusals.isEmpty()) {
        throw new RecoverRefusedException(refusals.stream().map(Refusal::reason).toList());
      }
      warnings.addAll(safety.warnings(device));
    } else {
      if (Files.exists(req.target(), LinkOption.NOFOLLOW_LINKS) && !req.yes() && !req.dryRun()) {
        throw new RecoverRefusedException(
            req.target() + " already exists; add --yes to overwrite it; nothing was written");
      }
      if (Files.isDirectory(req.target())) {
        throw new RecoverRefusedException(
            req.target() + " is a directory; give an image file name such as card.img");
      }
      long defaultBytes = defaultImageBytes(content.dataBytes(), minimumPartition);
      targetBytes = req.sizeBytes().orElse(defaultBytes);
    }
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
    FatLayout layout;
    try {
      layout =
          FatLayout.plan(new FatSpec(files, partitionBytes, identity.volumeId(), identity.label()));
    } catch (FatLayoutException e) {
      throw new RecoverRefusedException(e.getMessage() + "; nothing was written");
    }
    return new RecoveryPlan(
        version, content, req.target(), device, targetBytes, layout, identity, boot, warnings);
  }

  private static final long PARTITION_START = RecoveryPlan.PARTITION_OFFSET;

  /** The default image size: the content plus 25% plus 64 MiB, rounded up to a MiB. */
  static long defaultImageBytes(long dataBytes, long minimumPartition) {
    long partition = dataBytes + dataBytes / 4 + 64 * MIB;
    partition = Math.max(partition, minimumPartition);
    partition = (partition + MIB - 1) / MIB * MIB;
    return PARTITION_START + partition;
  }

  private static long minimumPartition(List<FatFile> files) throws RecoverRefusedException {
    try {
      return FatLayout.minimumPartitionBytes(files);
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

  private BlockDeviceInfo inspectDevice(Path target) throws IOException, RecoverRefusedException {
    try {
      return devices.inspect(target);
    } catch (NotABlockDeviceException e) {
      throw new RecoverRefusedException(e.getMessage() + "; nothing was written");
    }
  }

  private ApkovlSummary readApkovl(
      StoredVersion version, CardContent content, List<String> warnings)
      throws IOException, RecoverRefusedException {
    if (content.apkovl() == null) {
      warnings.add(
          "version "
              + version.id()
              + " has no apkovl: the card boots a fresh, unconfigured Alpine");
      return null;
    }
    try {
      ApkovlSummary s = new ApkovlValidator().validate(version.card().resolve(content.apkovl()));
      if (s.encrypted()) {
        warnings.add(
            content.apkovl()
                + " is encrypted: its etc/fstab and etc/apk/world cannot be read, so the volume id"
                + " must come from the version or --volume-id, and packages are not checked");
      }
      return s;
    } catch (InvalidApkovlException e) {
      throw new RecoverRefusedException(
          "the apkovl of version "
              + version.id()
              + " is damaged ("
              + e.getMessage()
              + "); run lbuvault verify and recover another version; nothing was written");
    }
  }

  /**
   * Writes the plan to its target and verifies it.
   *
   * @throws VerificationFailedException when the read-back differs; the MBR was not written
   */
  public RecoveryResult execute(RecoveryPlan plan, Optional<Path> releaseFile, Progress progress)
      throws IOException, VerificationFailedException {
    long start = System.nanoTime();
    FatLayout layout = plan.layout();
    List<WrittenExtent> extents;
    long written;
    try (FileChannel ch = openTarget(plan)) {
      if (plan.toDevice()) {
        zeroStaleTables(ch, plan.device().sizeBytes());
      }
      CountingSink counting = new CountingSink(new ChannelSink(ch), progress);
      progress.start("writing", layout.usedBytes());
      FatWriter writer = new FatWriter(layout, sinkFilter.apply(counting), PARTITION_START);
      writer.writeStructures();
      for (CardItem item : plan.content().items()) {
        if (!item.fromRelease()) {
          try (InputStream in = Files.newInputStream(item.versionFile())) {
            writer.writeFile(item.path(), in);
          }
        }
      }
      if (releaseFile.isPresent()) {
        Set<String> wanted = new HashSet<>();
        plan.content().items().stream()
            .filter(CardItem::fromRelease)
            .forEach(i -> wanted.add(i.path()));
        new ReleaseTarball(releaseFile.get())
            .stream(wanted, (entry, in) -> writer.writeFile(entry.path(), in));
      }
      writer.finish();
      ch.force(true);
      progress.finish();
      extents = writer.extents();
      written = writer.bytesWritten();
    }
    long built = System.nanoTime();

    ReadBack readBack = new ReadBack(plan.target());
    long toVerify = extents.stream().mapToLong(WrittenExtent::length).sum();
    progress.start("verifying", toVerify);
    readBack.verify(extents, progress::update);
    progress.finish();

    byte[] mbr =
        Mbr.build(
            random.nextInt(),
            new MbrPartition(
                Mbr.PARTITION_START_SECTOR,
                layout.partitionBytes() / 512,
                MBR_PARTITION_TYPE_FAT32_LBA,
                true));
    try (FileChannel ch = FileChannel.open(plan.target(), StandardOpenOption.WRITE)) {
      writeFully(ch, ByteBuffer.wrap(mbr), 0);
      ch.force(true);
    }
    readBack.verify(List.of(new WrittenExtent(0, mbr.length, Sha256.of(mbr))), done -> {});
    long end = System.nanoTime();
    return new RecoveryResult(
        written + mbr.length,
        Duration.ofNanos(built - start),
        Duration.ofNanos(end - built),
        readBack.direct());
  }

  private static FileChannel openTarget(RecoveryPlan plan) throws IOException {
    if (plan.toDevice()) {
      return FileChannel.open(plan.target(), StandardOpenOption.READ, StandardOpenOption.WRITE);
    }
    Path image = plan.target();
    // A fresh, sparse image: only what is written takes space, and stale bytes of an old file
    // cannot survive. Private, because the apkovl holds /etc/shadow.
    Files.deleteIfExists(image);
    FileChannel ch =
        FileChannel.open(
            image,
            EnumSet.of(
                StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE),
            PosixFilePermissions.asFileAttribute(SecureFiles.FILE_MODE));
    writeFully(ch, ByteBuffer.allocate(1), plan.targetBytes() - 1);
    return ch;
  }

  /** Zeroes the first and last MiB, where stale MBR and GPT headers live. */
  private static void zeroStaleTables(FileChannel ch, long size) throws IOException {
    ByteBuffer zeros = ByteBuffer.allocate((int) MIB);
    writeFully(ch, zeros, 0);
    long tail = Math.max(MIB, size - MIB);
    writeFully(ch, zeros.clear().limit((int) (size - tail)), tail);
  }

  private static void writeFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
    long pos = position;
    while (buf.hasRemaining()) {
      pos += ch.write(buf, pos);
    }
  }

  /** Writes to the target channel at absolute offsets. */
  private static final class ChannelSink implements BlockSink {
    private final FileChannel ch;

    ChannelSink(FileChannel ch) {
      this.ch = ch;
    }

    @Override
    public void write(long offset, ByteBuffer data) throws IOException {
      writeFully(ch, data, offset);
    }
  }

  /** Reports progress as bytes go by. */
  private static final class CountingSink implements BlockSink {
    private final BlockSink next;
    private final Progress progress;
    private long done;

    CountingSink(BlockSink next, Progress progress) {
      this.next = next;
      this.progress = progress;
    }

    @Override
    public void write(long offset, ByteBuffer data) throws IOException {
      int n = data.remaining();
      next.write(offset, data);
      done += n;
      progress.update(done);
    }
  }
}
