package dev.lbuvault.device;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the block device mounted at the card's directory and reads its FAT volume id and label.
 * Gives up quietly (empty) when the source is not a mount of a readable FAT device: recording the
 * volume is a convenience for recovery, never a reason to fail a backup.
 */
public final class CardVolumeLocator {
  private final Path mountinfo;
  private final FatVolumeProbe probe;

  public CardVolumeLocator(Path mountinfo, FatVolumeProbe probe) {
    this.mountinfo = mountinfo;
    this.probe = probe;
  }

  /** A FAT volume and the device it was read from. */
  public record LocatedVolume(String device, FatVolume volume) {}

  public Optional<LocatedVolume> locate(Path source) {
    try {
      Optional<MountEntry> entry = MountTable.read(mountinfo).entryFor(source.toAbsolutePath());
      if (entry.isEmpty() || !entry.get().device().startsWith("/dev/")) {
        return Optional.empty();
      }
      Path device = Path.of(entry.get().device());
      if (!Files.isReadable(device)) {
        return Optional.empty();
      }
      return probe.probe(device).map(v -> new LocatedVolume(device.toString(), v));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
