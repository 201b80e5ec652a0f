package dev.lbuvault.repo;

import java.util.List;

/**
 * What a version records about whether its card boots unattended, computed when it was stored
 * ({@code "boot"} in {@code version.json}; versions made before have none, shown as "unknown").
 *
 * @param ready true when no reason stands against booting
 * @param reasons why the card would not boot, one line each; empty when ready
 * @param notes warnings that do not stop a boot ("needs a password at the console to boot", a check
 *     that was skipped), one line each
 * @param world the package names of the apkovl's {@code etc/apk/world} the check used, so the next
 *     version with the same apkovl can check again without opening it; null when not known or not
 *     recorded (an encrypted apkovl's are never written in clear)
 */
public record BootRecord(
    boolean ready, List<String> reasons, List<String> notes, List<String> world) {
  public BootRecord {
    reasons = List.copyOf(reasons);
    notes = List.copyOf(notes);
    world = world == null ? null : List.copyOf(world);
    if (ready != reasons.isEmpty()) {
      throw new IllegalArgumentException(
          "a boot record is ready exactly when it has no reason, got ready="
              + ready
              + " with "
              + reasons.size()
              + " reason(s)");
    }
    for (String line : reasons) {
      requireOneLine(line);
    }
    for (String line : notes) {
      requireOneLine(line);
    }
  }

  private static void requireOneLine(String s) {
    if (s.isEmpty() || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) {
      throw new IllegalArgumentException("a boot reason or note must be one non-empty line");
    }
  }
}
