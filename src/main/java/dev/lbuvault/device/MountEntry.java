package dev.lbuvault.device;

import java.nio.file.Path;

/**
 * One mount from {@code /proc/self/mountinfo}, reduced to what lbuvault needs to know where the
 * card is mounted and whether writing to it would fail.
 *
 * @param mountPoint where the filesystem is mounted, with mountinfo's escapes decoded
 * @param device the mount source, e.g. {@code /dev/mmcblk0p1} (or {@code tmpfs}, {@code overlay})
 * @param fsType the filesystem type, e.g. {@code vfat}
 * @param readOnly whether the mount or its superblock is read-only
 */
public record MountEntry(Path mountPoint, String device, String fsType, boolean readOnly) {}
