package dev.lbuvault.verify;

import dev.lbuvault.repo.DamageRecord;
import dev.lbuvault.repo.DamageStore;
import dev.lbuvault.repo.HostArea;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.repo.VersionId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Writes what a verify run found into the host's damage record: every checked version's damaged
 * paths replace what was known about it (a clean version loses its mark), and a damaged card file
 * is queued for healing when the next version would otherwise carry the same damaged copy: it is in
 * the newest version, or it is the very file the working mirror holds (a hard link on the plain
 * backend). A damaged file only an older version holds is marked but needs no heal.
 */
public final class DamageRecorder {
  private DamageRecorder() {}

  /** Records {@code report} for {@code host}; returns the record as it now stands. */
  public static DamageRecord record(Repository repository, String host, VerifyReport report)
      throws IOException {
    HostArea area = repository.host(host);
    DamageStore store = new DamageStore(area);
    if (report.clean() && !Files.exists(store.file())) {
      return DamageRecord.empty(); // nothing known, nothing found: write nothing
    }
    List<StoredVersion> existing = repository.versions(host);
    Optional<VersionId> newest =
        existing.isEmpty() ? Optional.empty() : Optional.of(existing.get(existing.size() - 1).id());
    List<Findings> findings = new ArrayList<>();
    for (VersionCheck c : report.versions()) {
      VersionId id = new VersionId(c.versionId());
      Set<String> damaged = new TreeSet<>();
      Set<String> heal = new TreeSet<>();
      for (Problem p : c.problems()) {
        damaged.add(p.path());
        if (isCardFile(p) && needsHeal(area, id, newest, p)) {
          heal.add(p.path());
        }
      }
      findings.add(new Findings(id, damaged, heal));
    }
    return store.update(
        r -> {
          DamageRecord next = r.retainingVersions(ids(existing));
          for (Findings f : findings) {
            next = next.withVersion(f.id(), f.damaged(), f.heal());
          }
          return next;
        });
  }

  private record Findings(VersionId id, Set<String> damaged, Set<String> heal) {}

  private static List<VersionId> ids(List<StoredVersion> versions) {
    return versions.stream().map(StoredVersion::id).toList();
  }

  private static boolean isCardFile(Problem p) {
    return (p.kind() == ProblemKind.CORRUPT || p.kind() == ProblemKind.MISSING)
        && p.path().startsWith(StoredVersion.CARD_DIR + "/");
  }

  private static boolean needsHeal(
      HostArea area, VersionId id, Optional<VersionId> newest, Problem p) throws IOException {
    if (newest.isPresent() && newest.get().equals(id)) {
      return true;
    }
    Object damagedFile = fileKey(area.version(id).resolve(p.path()));
    return damagedFile != null
        && Objects.equals(damagedFile, fileKey(area.current().resolve(p.path())));
  }

  private static Object fileKey(Path file) throws IOException {
    try {
      return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
          .fileKey();
    } catch (NoSuchFileException e) {
      return null;
    }
  }
}
