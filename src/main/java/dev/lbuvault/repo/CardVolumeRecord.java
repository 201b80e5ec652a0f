package dev.lbuvault.repo;

import java.util.Objects;

/**
 * The FAT volume id and label of the card's partition, recorded when its block device was readable,
 * because the host's fstab mounts the card by them and a rebuilt card must match.
 */
public record CardVolumeRecord(String device, String volumeId, String label) {
  public CardVolumeRecord {
    Objects.requireNonNull(device, "device");
    Objects.requireNonNull(volumeId, "volumeId");
  }
}
