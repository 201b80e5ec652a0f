package dev.lbuvault.verify;

import dev.lbuvault.repo.DamageRecord;
import dev.lbuvault.repo.VersionId;
import java.util.List;
import java.util.Optional;

/**
 * The one line verify prints (and the daemon logs) after finding damage: how to heal the repository
 * from the card, and which clean version a card can be recovered from meanwhile.
 */
public final class NextStep {
  private NextStep() {}

  /** The advice for a report with problems; empty for a clean report. */
  public static Optional<String> after(VerifyReport report, DamageRecord record) {
    if (report.clean()) {
      return Optional.empty();
    }
    StringBuilder s = new StringBuilder("next step: ");
    int heal = record.heal().size();
    if (heal > 0) {
      s.append("run lbuvault backup with the card mounted to store fresh copies of ")
          .append(heal)
          .append(heal == 1 ? " damaged file" : " damaged files")
          .append(" (the daemon does this by itself after its verify); ");
    }
    Optional<String> clean = newestClean(report.versions());
    if (clean.isPresent()) {
      s.append("to recover a card now, use the newest clean version: lbuvault recover --version ")
          .append(clean.get())
          .append(" --to DEVICE");
    } else {
      s.append("no version checked is clean (verify all versions to find one)");
    }
    return Optional.of(s.toString());
  }

  private static Optional<String> newestClean(List<VersionCheck> checks) {
    VersionId best = null;
    for (VersionCheck c : checks) {
      VersionId id = new VersionId(c.versionId());
      if (c.clean() && (best == null || id.compareTo(best) > 0)) {
        best = id;
      }
    }
    return Optional.ofNullable(best).map(VersionId::value);
  }
}
