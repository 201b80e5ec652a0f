package dev.lbuvault.recover;

import dev.lbuvault.device.DeviceBusyException;
import dev.lbuvault.device.ExclusiveDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * A whole-disk device held exclusively ({@link ExclusiveDevice}) from the first write to the MBR,
 * with the whole safety check and the device's identity re-checked ({@link DeviceGuard}) after the
 * confirmation, after opening and right before the MBR. Opening zeroes the first and last MiB,
 * where stale MBR and GPT headers live, so a card interrupted at any later instant carries no
 * partition table.
 */
final class DeviceTarget implements CardTarget {
  private static final long MIB = 1L << 20;

  private final RecoveryPlan plan;
  private final DeviceGuard guard;
  private final ExclusiveDevice held;

  private DeviceTarget(RecoveryPlan plan, DeviceGuard guard, ExclusiveDevice held) {
    this.plan = plan;
    this.guard = guard;
    this.held = held;
  }

  static DeviceTarget open(RecoveryPlan plan, DeviceGuard guard)
      throws IOException, RecoverRefusedException {
    guard.recheck(plan, null, "nothing was written");
    ExclusiveDevice held;
    try {
      held = ExclusiveDevice.open(plan.target());
    } catch (DeviceBusyException e) {
      throw new RecoverRefusedException(e.getMessage() + "; nothing was written");
    }
    try {
      guard.recheck(plan, held.procPath(), "nothing was written");
      if (plan.request().wipe()) {
        wipe(held, plan.device().sizeBytes());
      }
      zeroStaleTables(held.channel(), plan.device().sizeBytes());
      return new DeviceTarget(plan, guard, held);
    } catch (IOException | RecoverRefusedException | RuntimeException e) {
      held.close();
      throw e;
    }
  }

  /**
   * Discards the whole device (an SD card erases the blocks), or, where discard is not supported,
   * writes zeros over it, so an old apkovl cannot survive in clusters the new card leaves free.
   */
  private static void wipe(ExclusiveDevice held, long size) throws IOException {
    if (held.discard(0, size)) {
      return;
    }
    ByteBuffer zeros = ByteBuffer.allocateDirect((int) (4 * MIB));
    for (long pos = 0; pos < size; pos += zeros.capacity()) {
      zeros.clear().limit((int) Math.min(zeros.capacity(), size - pos));
      CardWriter.writeFully(held.channel(), zeros, pos);
    }
    held.channel().force(true);
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
    return held.channel();
  }

  @Override
  public Path readPath() {
    return held.procPath();
  }

  @Override
  public Path shownAs() {
    return plan.target();
  }

  @Override
  public void beforeMbr() throws IOException, RecoverRefusedException {
    guard.recheck(
        plan,
        held.procPath(),
        "the partition table was not written, so " + plan.target() + " will not boot");
  }

  @Override
  public void commit() throws IOException {
    held.channel().force(true);
  }

  @Override
  public void close() throws IOException {
    held.close();
  }
}
