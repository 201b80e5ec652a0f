package dev.lbuvault.archive;

import java.util.List;

/**
 * What {@link ApkovlValidator} learned about an apkovl that passed validation. An encrypted apkovl
 * opened with the right password is known as fully as a plaintext one, and {@code keyDerivation}
 * names how its key was derived; without the password only its envelope is known: {@code
 * entryCount} is -1, the package and fstab lists are empty and {@code notVerified} says why.
 *
 * @param fileName the file's name without directories
 * @param sizeBytes bytes of the file (the ciphertext when encrypted)
 * @param encrypted whether the name carries a cipher suffix
 * @param cipher the cipher suffix, or null for plaintext
 * @param entryCount tar members (not counting GNU/PAX metadata records), or -1 if not decrypted
 * @param worldPackages the words of {@code etc/apk/world}, in file order
 * @param fstabLines the lines of {@code etc/fstab}, without line terminators
 * @param keyDerivation how the key was derived ({@code sha256}, {@code md5}, {@code pbkdf2-sha256})
 *     when the apkovl was decrypted, else null
 * @param notVerified why an encrypted apkovl's content was not checked ({@link #NO_PASSWORD},
 *     {@link #WRONG_PASSWORD}, an unsupported cipher), or null when it was or it is plaintext
 */
public record ApkovlSummary(
    String fileName,
    long sizeBytes,
    boolean encrypted,
    String cipher,
    int entryCount,
    List<String> worldPackages,
    List<String> fstabLines,
    String keyDerivation,
    String notVerified) {
  /** Why an encrypted apkovl was not verified when no password file was given. */
  public static final String NO_PASSWORD = "no password file";

  /** Why an encrypted apkovl was not verified when the password did not decrypt it. */
  public static final String WRONG_PASSWORD = "wrong password";

  /** Copies the lists so a summary cannot change after validation. */
  public ApkovlSummary {
    worldPackages = List.copyOf(worldPackages);
    fstabLines = List.copyOf(fstabLines);
  }

  /** A summary without decryption facts: plaintext, or encrypted and not opened. */
  public ApkovlSummary(
      String fileName,
      long sizeBytes,
      boolean encrypted,
      String cipher,
      int entryCount,
      List<String> worldPackages,
      List<String> fstabLines) {
    this(
        fileName,
        sizeBytes,
        encrypted,
        cipher,
        entryCount,
        worldPackages,
        fstabLines,
        null,
        encrypted ? NO_PASSWORD : null);
  }

  /** The one-line warning for a version whose encrypted apkovl was not verified, or null. */
  public String warning() {
    return notVerified == null ? null : "encrypted apkovl not verified: " + notVerified;
  }
}
