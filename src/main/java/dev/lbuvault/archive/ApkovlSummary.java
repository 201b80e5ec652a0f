package dev.lbuvault.archive;

import java.util.List;

/**
 * What {@link ApkovlValidator} learned about an apkovl that passed validation. Encrypted apkovls
 * cannot be opened without the password, so for them only the envelope is known: {@code entryCount}
 * is -1 and the package and fstab lists are empty.
 *
 * @param fileName the file's name without directories
 * @param sizeBytes bytes read from the file
 * @param encrypted whether the name carries a cipher suffix
 * @param cipher the cipher suffix, or null for plaintext
 * @param entryCount tar members (not counting GNU/PAX metadata records), or -1 if encrypted
 * @param worldPackages the words of {@code etc/apk/world}, in file order
 * @param fstabLines the lines of {@code etc/fstab}, without line terminators
 */
public record ApkovlSummary(
    String fileName,
    long sizeBytes,
    boolean encrypted,
    String cipher,
    int entryCount,
    List<String> worldPackages,
    List<String> fstabLines) {
  /** Copies the lists so a summary cannot change after validation. */
  public ApkovlSummary {
    worldPackages = List.copyOf(worldPackages);
    fstabLines = List.copyOf(fstabLines);
  }
}
