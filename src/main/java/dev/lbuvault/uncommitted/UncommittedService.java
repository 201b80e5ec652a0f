package dev.lbuvault.uncommitted;

import dev.lbuvault.archive.ApkovlMember;
import dev.lbuvault.archive.ApkovlReader;
import dev.lbuvault.archive.InvalidApkovlException;
import dev.lbuvault.repo.ApkovlRecord;
import dev.lbuvault.repo.ReadLock;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.RepositoryException;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.repo.VersionMetadata;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code lbuvault status}: compares a host's root with the apkovl of the host's newest stored
 * version (the backup is what survives the card, so it is the reference, not the card's copy). The
 * version is read under a shared lock so that prune cannot remove it meanwhile; its apkovl is
 * streamed, one member at a time.
 */
public final class UncommittedService {
  private final Repository repository;

  public UncommittedService(Repository repository) {
    this.repository = repository;
  }

  /**
   * What {@code lbu commit} on {@code root} would save that the newest version of {@code host} does
   * not hold.
   *
   * @throws CannotCompareException when the host has no version or its apkovl is encrypted
   * @throws InvalidApkovlException when the stored apkovl cannot be read (a damaged version)
   */
  public UncommittedReport scan(String host, Path root)
      throws IOException, RepositoryException, InvalidApkovlException, CannotCompareException {
    StoredVersion newest =
        repository
            .newest(host)
            .orElseThrow(
                () ->
                    new CannotCompareException(
                        "host "
                            + host
                            + " has no version in "
                            + repository.root()
                            + ": run lbuvault backup first"));
    try (ReadLock lock = ReadLock.sharedExisting(repository, newest)) {
      ApkovlRecord apkovl = VersionMetadata.read(newest.metadata()).apkovl();
      List<ApkovlMember> members = List.of();
      String name = "";
      if (apkovl != null) {
        name = apkovl.name();
        Path file = newest.card().resolve(name);
        if (apkovl.encrypted()) {
          throw new CannotCompareException(
              file
                  + " is encrypted ("
                  + apkovl.cipher()
                  + "): lbuvault status cannot decrypt apkovls yet; use lbu status on the host");
        }
        members = ApkovlReader.members(file);
      }
      List<Change> changes = new UncommittedScanner(root).compare(members);
      return new UncommittedReport(host, newest.id().value(), name, changes);
    }
  }
}
