package dev.lbuvault.recover;

import dev.lbuvault.repo.CardVolumeRecord;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Chooses the rebuilt card's volume id and label, in this order: the user's flags; what the backup
 * read from the card's block device; the apkovl's own {@code etc/fstab} line for the card; else a
 * random id and the label {@code PIBOOT} (Alpine's default). Each choice says where it came from.
 */
public final class VolumeIdentityResolver {
  static final String DEFAULT_LABEL = "PIBOOT";
  private static final Pattern FSTAB =
      Pattern.compile("^\\s*(UUID|LABEL)=(\\S+)\\s+(/media/\\S+)\\s+(\\S+).*$");

  private final SecureRandom random;

  public VolumeIdentityResolver(SecureRandom random) {
    this.random = random;
  }

  public VolumeIdentity resolve(
      Optional<String> idFlag,
      Optional<String> labelFlag,
      Optional<CardVolumeRecord> recorded,
      List<String> fstabLines) {
    Optional<FstabCard> fstab = fstabCard(fstabLines);
    int id;
    String idSource;
    if (idFlag.isPresent()) {
      id = VolumeIdentity.parseVolumeId(idFlag.get());
      idSource = "--volume-id";
    } else if (recorded.isPresent()) {
      id = VolumeIdentity.parseVolumeId(recorded.get().volumeId());
      idSource = "the version's metadata (read from " + recorded.get().device() + " at backup)";
    } else if (fstab.isPresent() && fstab.get().uuid() != null) {
      id = VolumeIdentity.parseVolumeId(fstab.get().uuid());
      idSource = "the apkovl's etc/fstab (" + fstab.get().line() + ")";
    } else {
      id = random.nextInt();
      idSource =
          "random (no id recorded and no UUID= line for /media/... in the apkovl's etc/fstab)";
    }
    String label;
    String labelSource;
    if (labelFlag.isPresent()) {
      label = labelFlag.get();
      labelSource = "--label";
    } else if (recorded.isPresent() && recorded.get().label() != null) {
      label = recorded.get().label();
      labelSource = "the version's metadata";
    } else if (fstab.isPresent() && fstab.get().label() != null) {
      label = fstab.get().label();
      labelSource = "the apkovl's etc/fstab (" + fstab.get().line() + ")";
    } else {
      label = DEFAULT_LABEL;
      labelSource = "default";
    }
    return new VolumeIdentity(id, label, idSource, labelSource);
  }

  /** {@code line} is the spec, mount point and type only: options could hold anything. */
  private record FstabCard(String uuid, String label, String line) {}

  /** The fstab line that mounts a FAT card under /media, as setup-lbu writes it. */
  private static Optional<FstabCard> fstabCard(List<String> lines) {
    for (String line : lines) {
      Matcher m = FSTAB.matcher(line);
      if (m.matches() && (m.group(4).equals("vfat") || m.group(4).equals("auto"))) {
        String value = m.group(2);
        String shown = m.group(1) + "=" + value + " " + m.group(3) + " " + m.group(4);
        if (m.group(1).equals("UUID")) {
          try {
            VolumeIdentity.parseVolumeId(value);
          } catch (IllegalArgumentException e) {
            continue;
          }
          return Optional.of(new FstabCard(value.toUpperCase(java.util.Locale.ROOT), null, shown));
        }
        return Optional.of(new FstabCard(null, value, shown));
      }
    }
    return Optional.empty();
  }
}
