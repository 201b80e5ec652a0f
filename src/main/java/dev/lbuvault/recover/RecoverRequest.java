package dev.lbuvault.recover;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What {@code lbuvault recover} was asked to do: which version, onto which target (a whole-disk
 * block device or an image file), with which optional overrides, whether to only plan, and whether
 * to overwrite an existing card image ({@code yes}) or any existing file ({@code force}), and
 * whether to discard or zero a whole device first ({@code wipe}).
 */
public record RecoverRequest(
    Path repo,
    Optional<String> host,
    String version,
    Path target,
    OptionalLong sizeBytes,
    Optional<Path> alpineRelease,
    Optional<String> apkovl,
    Optional<String> volumeId,
    Optional<String> label,
    boolean dryRun,
    boolean yes,
    boolean force,
    boolean wipe) {
  public RecoverRequest {
    Objects.requireNonNull(repo, "repo");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(target, "target");
    volumeId.ifPresent(VolumeIdentity::parseVolumeId);
    label.ifPresent(VolumeIdentity::normalizeLabel);
    if (sizeBytes.isPresent() && sizeBytes.getAsLong() < RecoveryPlan.PARTITION_OFFSET * 2) {
      throw new IllegalArgumentException(
          "--size must be at least 8 MiB, got " + sizeBytes.getAsLong());
    }
  }
}
