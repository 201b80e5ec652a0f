package dev.lbuvault.verify;

import dev.lbuvault.archive.ApkovlSummary;
import dev.lbuvault.archive.ApkovlValidator;
import dev.lbuvault.archive.InvalidApkovlException;
import dev.lbuvault.repo.ApkovlRecord;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.repo.VersionMetadata;
import dev.lbuvault.text.OneLine;
import java.io.IOException;
import java.util.Optional;

/**
 * With the password, {@code verify} goes past the checksums of an encrypted apkovl: it decrypts the
 * stored copy and validates its gzip and tar as a backup does. This finds an apkovl stored
 * unverified (wrong or no password at backup time) whose content is broken, which no checksum can.
 */
public final class ApkovlContentCheck {
  private final ApkovlValidator validator;

  /**
   * @param validator a validator that holds the password
   */
  public ApkovlContentCheck(ApkovlValidator validator) {
    this.validator = validator;
  }

  /** What opening one version's encrypted apkovl found. */
  public record Finding(String versionId, String line, boolean damaged) {}

  /**
   * Opens {@code version}'s apkovl if it is encrypted; empty for plaintext, none, or unreadable
   * metadata (the checksum pass reports that).
   */
  public Optional<Finding> check(StoredVersion version) throws IOException {
    ApkovlRecord apkovl;
    try {
      apkovl = VersionMetadata.read(version.metadata()).apkovl();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
    if (apkovl == null || !apkovl.encrypted()) {
      return Optional.empty();
    }
    String id = version.id().value();
    String prefix = "version " + id + ": apkovl " + apkovl.name() + " ";
    try {
      ApkovlSummary s = validator.validate(version.card().resolve(apkovl.name()));
      String line =
          s.notVerified() != null
              ? prefix + "not opened: " + s.notVerified()
              : prefix
                  + "decrypted (key "
                  + s.keyDerivation()
                  + ", "
                  + s.entryCount()
                  + " entries): OK";
      return Optional.of(new Finding(id, line, false));
    } catch (InvalidApkovlException e) {
      return Optional.of(
          new Finding(id, OneLine.escape(prefix + "DAMAGED: " + e.getMessage()), true));
    }
  }
}
