package dev.lbuvault.device;

import java.nio.file.Path;
import java.util.List;

/**
 * What sysfs says about one whole disk or partition, read by {@link BlockDevices#inspect} so that
 * {@link TargetSafety} can decide whether a card image may be written over it and the user can see
 * which device they are about to erase. Sizes are in bytes; text attributes are trimmed (sysfs pads
 * vendor and model with blanks) and null when sysfs has none, as for loop devices.
 *
 * @param name the kernel's name, e.g. {@code sdb}, {@code loop3}, {@code mmcblk0}
 * @param devicePath the device node under the configured {@code /dev}, e.g. {@code /dev/sdb}
 * @param sizeBytes the size ({@code size} counts 512-byte sectors whatever the logical block size)
 * @param readOnly whether the kernel refuses writes ({@code ro}), e.g. an SD card's lock switch
 * @param removable whether the disk says its medium is removable (partitions take their disk's)
 * @param partition whether this is a partition rather than a whole disk
 * @param vendor {@code device/vendor}, or null
 * @param model {@code device/model} (or an SD card's {@code device/name}), or null
 * @param serial {@code device/serial}, {@code device/wwid} or {@code serial}, or null
 * @param partitions the names of a whole disk's partitions in partition-number order
 * @param holders the devices stacked on it or its partitions (dm-crypt, LVM, md)
 * @param backingFile a loop device's backing file ({@code loop/backing_file}), or null
 */
public record BlockDeviceInfo(
    String name,
    Path devicePath,
    long sizeBytes,
    boolean readOnly,
    boolean removable,
    boolean partition,
    String vendor,
    String model,
    String serial,
    List<String> partitions,
    List<String> holders,
    Path backingFile) {

  public BlockDeviceInfo {
    partitions = List.copyOf(partitions);
    holders = List.copyOf(holders);
  }

  /** A device that is not a loop device, so has no backing file. */
  public BlockDeviceInfo(
      String name,
      Path devicePath,
      long sizeBytes,
      boolean readOnly,
      boolean removable,
      boolean partition,
      String vendor,
      String model,
      String serial,
      List<String> partitions,
      List<String> holders) {
    this(
        name,
        devicePath,
        sizeBytes,
        readOnly,
        removable,
        partition,
        vendor,
        model,
        serial,
        partitions,
        holders,
        null);
  }
}
