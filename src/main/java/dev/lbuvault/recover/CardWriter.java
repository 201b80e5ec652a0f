package dev.lbuvault.recover;

import dev.lbuvault.archive.ReleaseTarball;
import dev.lbuvault.fs.Sha256;
import dev.lbuvault.image.BlockSink;
import dev.lbuvault.image.FatWriter;
import dev.lbuvault.image.Mbr;
import dev.lbuvault.image.MbrPartition;
import dev.lbuvault.image.WrittenExtent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Owns the target from the moment it is opened until the MBR is on it: writes the filesystem with
 * every version file hashed as it is read and compared with the hash checked before, reads every
 * written byte back (while later bytes are still being written: {@link OverlappedReadBack}), and
 * writes the partition table only once every byte read back right, so an interrupted, failing or
 * refused run never leaves a card that looks bootable (or, for an image, any file at the target's
 * name).
 */
final class CardWriter {
  private static final int MBR_PARTITION_TYPE_FAT32_LBA = 0x0c;

  private final SecureRandom random;
  private final UnaryOperator<BlockSink> sinkFilter;
  private final DeviceGuard guard;

  CardWriter(SecureRandom random, UnaryOperator<BlockSink> sinkFilter, DeviceGuard guard) {
    this.random = random;
    this.sinkFilter = sinkFilter;
    this.guard = guard;
  }

  RecoveryResult write(VerifiedSource source, Optional<Path> releaseFile, Progress progress)
      throws IOException,
          VerificationFailedException,
          SourceDamagedException,
          RecoverRefusedException {
    RecoveryPlan plan = source.plan();
    long start = System.nanoTime();
    try (CardTarget target = open(plan)) {
      ReadBack readBack = new ReadBack(target.readPath(), target.shownAs());
      FatWriter writer;
      long built;
      try (OverlappedReadBack overlap = OverlappedReadBack.start(target.channel(), readBack)) {
        writer = writeFilesystem(target, source, releaseFile, progress, overlap);
        built = System.nanoTime();
        verifyRest(target, writer, overlap, progress);
      }
      target.beforeMbr();
      byte[] mbr = writeMbr(target, plan);
      readBack.verify(List.of(new WrittenExtent(0, mbr.length, Sha256.of(mbr))), done -> {});
      target.commit();
      return new RecoveryResult(
          writer.bytesWritten() + mbr.length,
          Duration.ofNanos(built - start),
          Duration.ofNanos(System.nanoTime() - built),
          readBack.direct());
    }
  }

  /**
   * Flushes what is not yet durable and waits until every extent has been read back (most of them
   * were, while later ones were being written).
   */
  private static void verifyRest(
      CardTarget target, FatWriter writer, OverlappedReadBack overlap, Progress progress)
      throws IOException, VerificationFailedException {
    List<WrittenExtent> extents = writer.extents();
    long total = extents.stream().mapToLong(WrittenExtent::length).sum();
    progress.start("verifying", total);
    try {
      overlap.finish(extents, writer.bytesWritten());
    } catch (IOException e) {
      throw new IOException(
          "cannot write "
              + target.shownAs()
              + ": "
              + e.getMessage()
              + "; the partition table was not written",
          e);
    }
    progress.update(total);
    progress.finish();
  }

  private CardTarget open(RecoveryPlan plan) throws IOException, RecoverRefusedException {
    if (plan.toDevice()) {
      return DeviceTarget.open(plan, guard);
    }
    return ImageTarget.create(plan.target(), plan.targetBytes(), random);
  }

  /** What has happened to the target if writing stops now, for messages. */
  private static String leftBehind(RecoveryPlan plan) {
    return plan.toDevice()
        ? "the partition table was not written, so " + plan.target() + " will not boot"
        : "nothing was left at " + plan.target();
  }

  private FatWriter writeFilesystem(
      CardTarget target,
      VerifiedSource source,
      Optional<Path> releaseFile,
      Progress progress,
      OverlappedReadBack overlap)
      throws IOException, SourceDamagedException, VerificationFailedException {
    RecoveryPlan plan = source.plan();
    CountingSink counting = new CountingSink(BlockSink.of(target.channel()), progress);
    FatWriter writer =
        new FatWriter(plan.layout(), sinkFilter.apply(counting), RecoveryPlan.PARTITION_OFFSET);
    try {
      progress.start("writing", plan.layout().usedBytes());
      writer.writeStructures();
      for (CardItem item : plan.content().items()) {
        if (!item.fromRelease()) {
          writeVersionFile(writer, source, item);
          overlap.written(writer.extents(), writer.bytesWritten());
        }
      }
      if (releaseFile.isPresent()) {
        writeReleaseFiles(writer, plan, releaseFile.get());
      }
      writer.finish();
      progress.finish();
      return writer;
    } catch (IOException e) {
      throw new IOException(
          "cannot write " + target.shownAs() + ": " + e.getMessage() + "; " + leftBehind(plan), e);
    }
  }

  private static void writeVersionFile(FatWriter writer, VerifiedSource source, CardItem item)
      throws IOException, SourceDamagedException {
    try (HashingInputStream in = new HashingInputStream(Files.newInputStream(item.versionFile()))) {
      writer.writeFile(item.path(), in);
      source.requireIntact(item, in, leftBehind(source.plan()));
    }
  }

  private static void writeReleaseFiles(FatWriter writer, RecoveryPlan plan, Path releaseFile)
      throws IOException {
    Set<String> wanted = new HashSet<>();
    plan.content().items().stream()
        .filter(CardItem::fromRelease)
        .forEach(i -> wanted.add(i.path()));
    new ReleaseTarball(releaseFile)
        .stream(wanted, (entry, in) -> writer.writeFile(entry.path(), in));
  }

  private byte[] writeMbr(CardTarget target, RecoveryPlan plan) throws IOException {
    byte[] mbr =
        Mbr.build(
            random.nextInt(),
            new MbrPartition(
                Mbr.PARTITION_START_SECTOR,
                plan.layout().partitionBytes() / 512,
                MBR_PARTITION_TYPE_FAT32_LBA,
                true));
    writeFully(target.channel(), ByteBuffer.wrap(mbr), 0);
    target.channel().force(true);
    return mbr;
  }

  static void writeFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
    long pos = position;
    while (buf.hasRemaining()) {
      pos += ch.write(buf, pos);
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
