package dev.lbuvault.recover;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A whole-disk device held open from the first write to the MBR. Opening zeroes the first and last
 * MiB, where stale MBR and GPT headers live, so a card interrupted at any later instant carries no
 * partition table.
 */
final class DeviceTarget implements CardTarget {
  private static final long MIB = 1L << 20;

  private final RecoveryPlan plan;
  private final FileChannel channel;

  private DeviceTarget(RecoveryPlan plan, FileChannel channel) {
    this.plan = plan;
    this.channel = channel;
  }

  static DeviceTarget open(RecoveryPlan plan) throws IOException {
    FileChannel ch =
        FileChannel.open(plan.target(), StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      zeroStaleTables(ch, plan.device().sizeBytes());
      return new DeviceTarget(plan, ch);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /** Zeroes the first and last MiB, where stale MBR and GPT headers live. */
  private static void zeroStaleTables(FileChannel ch, long size) throws IOException {
    ByteBuffer zeros = ByteBuffer.allocate((int) MIB);
    CardWriter.writeFully(ch, zeros, 0);
    long tail = Math.max(MIB, size - MIB);
    CardWriter.writeFully(ch, zeros.clear().limit((int) (size - tail)), tail);
  }

  @Override
  public FileChannel channel() {
    return channel;
  }

  @Override
  public Path readPath() {
    return plan.target();
  }

  @Override
  public Path shownAs() {
    return plan.target();
  }

  @Override
  public void beforeMbr() {}

  @Override
  public void commit() throws IOException {
    channel.force(true);
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
