package dev.lbuvault.replicate;

import java.util.Objects;
import java.util.Optional;

/**
 * What {@code btrfs subvolume show} says about one subvolume that replication needs: its UUID, the
 * UUID it was received from ({@code -} when it was not received), and whether it is read-only. A
 * version is shared by two repositories when the target's received UUID is the source's UUID, which
 * is how btrbk and {@code btrfs receive} itself pair a parent across filesystems.
 */
public record SubvolumeInfo(String uuid, Optional<String> receivedUuid, boolean readOnly) {
  public SubvolumeInfo {
    Objects.requireNonNull(uuid, "uuid");
    Objects.requireNonNull(receivedUuid, "receivedUuid");
  }

  /**
   * Parses {@code btrfs subvolume show} output (btrfs-progs 5 and 6: "UUID:", "Received UUID:",
   * "Flags:" lines, tab-separated).
   *
   * @throws IllegalArgumentException when there is no UUID line
   */
  public static SubvolumeInfo parse(String showOutput) {
    String uuid = null;
    String received = null;
    boolean readOnly = false;
    for (String line : showOutput.lines().toList()) {
      String l = line.strip();
      int colon = l.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String key = l.substring(0, colon).strip();
      String value = l.substring(colon + 1).strip();
      switch (key) {
        case "UUID" -> uuid = value;
        case "Received UUID" -> received = value;
        case "Flags" -> readOnly = value.contains("readonly");
        default -> {
          // other fields are not needed
        }
      }
    }
    if (uuid == null || uuid.isEmpty() || "-".equals(uuid)) {
      throw new IllegalArgumentException("no UUID in btrfs subvolume show output");
    }
    Optional<String> rec =
        received == null || received.isEmpty() || "-".equals(received)
            ? Optional.empty()
            : Optional.of(received);
    return new SubvolumeInfo(uuid, rec, readOnly);
  }

  /** True when this (target) subvolume was received from {@code source}. */
  public boolean receivedFrom(SubvolumeInfo source) {
    return receivedUuid.filter(source.uuid::equals).isPresent();
  }
}
