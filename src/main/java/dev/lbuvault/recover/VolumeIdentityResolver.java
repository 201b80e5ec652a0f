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
 * An fstab value is read as {@code getmntent} reads it (octal escapes {@code \040} {@code \011}
 * {@code \012} {@code \134} decoded) and kept exactly, case included, since mount's {@code LABEL=}
 * match is case-sensitive; a label FAT cannot hold is refused rather than changed, because the
 * recovered host could not mount its card by it either.
 */
public final class VolumeIdentityResolver {
  static final String DEFAULT_LABEL = "PIBOOT";
  private static final Pattern FSTAB =
      Pattern.compile("^\\s*(UUID|LABEL)=(\\S+)\\s+(/media/\\S+)\\s+(\\S+).*$");

  private final SecureRandom random;

  public VolumeIdentityResolver(SecureRandom random) {
    this.random = random;
  }

  /**
   * Resolves the identity.
   *
   * @throws RecoverRefusedException when the label would come from an fstab line whose label a FAT
   *     volume cannot hold
   */
  public VolumeIdentity resolve(
      Optional<String> idFlag,
      Optional<String> labelFlag,
      Optional<CardVolumeRecord> recorded,
      List<String> fstabLines)
      throws RecoverRefusedException {
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
      label = fatLabel(fstab.get());
      labelSource = "the apkovl's etc/fstab (" + fstab.get().line() + ")";
    } else {
      label = DEFAULT_LABEL;
      labelSource = "default";
    }
    return new VolumeIdentity(id, label, idSource, labelSource);
  }

  private static String fatLabel(FstabCard card) throws RecoverRefusedException {
    try {
      return VolumeIdentity.normalizeLabel(card.label());
    } catch (IllegalArgumentException e) {
      throw new RecoverRefusedException(
          "etc/fstab in the apkovl names the card "
              + card.line()
              + ", a label a FAT volume cannot hold (1 to 11 ASCII letters, digits, spaces or"
              + " ! # $ % & ' ( ) - @ ^ _ ` { } ~); give one with --label NAME and change that"
              + " fstab line to match after the first boot; nothing was written");
    }
  }

  /** {@code line} is the spec, mount point and type only: options could hold anything. */
  private record FstabCard(String uuid, String label, String line) {}

  /** The fstab line that mounts a FAT card under /media, as setup-lbu writes it. */
  private static Optional<FstabCard> fstabCard(List<String> lines) {
    for (String line : lines) {
      Matcher m = FSTAB.matcher(line);
      if (m.matches() && (m.group(4).equals("vfat") || m.group(4).equals("auto"))) {
        String value = unescape(m.group(2));
        String shown =
            printable(m.group(1) + "=" + m.group(2) + " " + m.group(3) + " " + m.group(4));
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

  /**
   * Decodes fstab's octal escapes as musl's and util-linux's readers do: a backslash and three
   * octal digits is that byte ({@code \\040} space, {@code \\011} tab, {@code \\012} newline,
   * {@code \\134} backslash); any other backslash stays as it is.
   */
  static String unescape(String field) {
    StringBuilder sb = new StringBuilder(field.length());
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && i + 3 < field.length() && isOctalEscape(field, i)) {
        sb.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  private static boolean isOctalEscape(String field, int backslash) {
    return field.charAt(backslash + 1) >= '0'
        && field.charAt(backslash + 1) <= '3'
        && isOctalDigit(field.charAt(backslash + 2))
        && isOctalDigit(field.charAt(backslash + 3));
  }

  private static boolean isOctalDigit(char c) {
    return c >= '0' && c <= '7';
  }

  /** An fstab line in a one-line message, whatever control characters it holds. */
  private static String printable(String text) {
    StringBuilder sb = new StringBuilder(text.length());
    text.codePoints()
        .forEach(
            c -> {
              if (Character.isISOControl(c)) {
                sb.append(String.format("\\x%02x", c));
              } else {
                sb.appendCodePoint(c);
              }
            });
    return sb.toString();
  }
}
