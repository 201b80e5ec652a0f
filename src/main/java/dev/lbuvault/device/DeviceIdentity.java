package dev.lbuvault.device;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What tells one block device from another that later takes its name: the kernel's device number,
 * the size, {@code diskseq} (a counter the kernel bumps whenever a disk gets new media, a loop
 * device a new file; null on kernels before 5.15), model and serial where the device has them, and
 * a loop device's backing file. Recover records it at plan time and refuses to go on if it changes.
 * A card swapped for another of the same model and size in a reader that reports neither serial nor
 * diskseq cannot be told apart; see docs/recovery.md.
 */
public record DeviceIdentity(
    String number, long sizeBytes, String diskseq, String model, String serial, Path backingFile) {
  public DeviceIdentity {
    Objects.requireNonNull(number, "number");
  }

  /** What differs from {@code other}, e.g. {@code "diskseq 12 -> 13"}; empty if nothing does. */
  public List<String> differences(DeviceIdentity other) {
    List<String> diffs = new ArrayList<>();
    compare(diffs, "device number", number, other.number);
    compare(diffs, "size", Long.toString(sizeBytes), Long.toString(other.sizeBytes));
    compare(diffs, "diskseq", diskseq, other.diskseq);
    compare(diffs, "model", model, other.model);
    compare(diffs, "serial", serial, other.serial);
    compare(
        diffs,
        "loop file",
        backingFile == null ? null : backingFile.toString(),
        other.backingFile == null ? null : other.backingFile.toString());
    return diffs;
  }

  private static void compare(List<String> diffs, String what, String was, String now) {
    if (!Objects.equals(was, now)) {
      diffs.add(what + " " + (was == null ? "none" : was) + " -> " + (now == null ? "none" : now));
    }
  }
}
