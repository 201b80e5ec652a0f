package dev.lbuvault.recover;

import dev.lbuvault.device.BlockDevices;
import dev.lbuvault.device.DeviceIdentity;
import dev.lbuvault.device.NotABlockDeviceException;
import dev.lbuvault.device.Refusal;
import dev.lbuvault.device.TargetSafety;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps a recovery bound to the device that was checked: re-reads its identity and re-runs the
 * whole {@link TargetSafety} check at each point where the world may have changed (after the
 * confirmation, after opening, right before the MBR), and checks that the held file descriptor is
 * still the device that was planned. Any change refuses, with nothing further written.
 */
final class DeviceGuard {
  private final BlockDevices devices;
  private final TargetSafety safety;
  private final List<Path> protectedPaths;

  DeviceGuard(BlockDevices devices, TargetSafety safety, List<Path> protectedPaths) {
    this.devices = devices;
    this.safety = safety;
    this.protectedPaths = List.copyOf(protectedPaths);
  }

  /**
   * Refuses if the device at the plan's path is no longer the one planned, or is no longer safe.
   *
   * @param held the held device's {@code /proc/self/fd} path, or null before it is opened
   * @param stage what has happened to the device so far, for the message
   */
  void recheck(RecoveryPlan plan, Path held, String stage)
      throws IOException, RecoverRefusedException {
    Path target = plan.target();
    List<String> reasons = new ArrayList<>();
    DeviceIdentity now;
    try {
      now = devices.identify(target);
    } catch (NotABlockDeviceException e) {
      throw new RecoverRefusedException(
          target + " changed since it was checked (" + e.getMessage() + "); " + stage);
    }
    List<String> diffs = new ArrayList<>(plan.deviceIdentity().differences(now));
    if (held != null) {
      String heldNumber = BlockDevices.numberOf(held);
      if (!heldNumber.equals(plan.deviceIdentity().number())) {
        diffs.add("the open device is " + heldNumber);
      }
    }
    if (!diffs.isEmpty()) {
      reasons.add(
          target
              + " changed since it was checked ("
              + String.join(", ", diffs)
              + "): was the card swapped or the device re-pointed?");
    }
    for (Refusal r : safety.check(target, plan.targetBytes(), protectedPaths)) {
      reasons.add(r.reason());
    }
    if (!reasons.isEmpty()) {
      throw new RecoverRefusedException(String.join("; ", reasons) + "; " + stage);
    }
  }
}
