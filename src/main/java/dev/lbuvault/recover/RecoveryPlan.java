package dev.lbuvault.recover;

import dev.lbuvault.boot.BootCheck;
import dev.lbuvault.device.BlockDeviceInfo;
import dev.lbuvault.device.DeviceIdentity;
import dev.lbuvault.image.FatLayout;
import dev.lbuvault.repo.StoredVersion;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything decided before the first byte is written: the version and content, the target and its
 * size (and a device's identity, re-checked before every stage of writing), the filesystem layout,
 * the volume identity and where it came from, the boot check, and the warnings to show, and the
 * request it answers. A dry run prints it; a real run carries it out.
 */
public record RecoveryPlan(
    StoredVersion version,
    CardContent content,
    Path target,
    BlockDeviceInfo device,
    DeviceIdentity deviceIdentity,
    long targetBytes,
    FatLayout layout,
    VolumeIdentity identity,
    BootCheck.Result bootCheck,
    List<String> warnings,
    RecoverRequest request) {
  /** Partition 1 starts at 4 MiB (sector 8192), the erase-block alignment SD-card tools use. */
  public static final long PARTITION_OFFSET = 4L << 20;

  public RecoveryPlan {
    warnings = List.copyOf(warnings);
  }

  public boolean toDevice() {
    return device != null;
  }
}
