package dev.lbuvault.uncommitted;

import dev.lbuvault.archive.ApkovlMember;
import dev.lbuvault.archive.ApkovlReader;
import dev.lbuvault.archive.InvalidApkovlException;
import dev.lbuvault.crypto.Decrypted;
import dev.lbuvault.crypto.EncCipher;
import dev.lbuvault.crypto.OpensslEnc;
import dev.lbuvault.crypto.Password;
import dev.lbuvault.crypto.WrongPasswordException;
import dev.lbuvault.repo.ApkovlRecord;
import dev.lbuvault.repo.ReadLock;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.RepositoryException;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.repo.VersionMetadata;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

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
    return scan(host, root, Optional.empty());
  }

  /**
   * As {@link #scan(String, Path)}, decrypting an encrypted apkovl with {@code password}.
   *
   * @throws CannotCompareException also when the apkovl is encrypted and the password is missing or
   *     wrong, or the cipher is one lbuvault cannot decrypt
   */
  public UncommittedReport scan(String host, Path root, Optional<Password> password)
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
        members =
            apkovl.encrypted()
                ? encryptedMembers(file, apkovl.cipher(), password)
                : ApkovlReader.members(file);
      }
      List<Change> changes = new UncommittedScanner(root).compare(members);
      return new UncommittedReport(host, newest.id().value(), name, changes);
    }
  }

  /**
   * The members of an encrypted apkovl, decrypted as a stream (bounded memory, like plain ones).
   */
  private static List<ApkovlMember> encryptedMembers(
      Path file, String cipherName, Optional<Password> password)
      throws IOException, InvalidApkovlException, CannotCompareException {
    EncCipher cipher =
        EncCipher.forName(cipherName)
            .orElseThrow(
                () ->
                    new CannotCompareException(
                        file
                            + " is encrypted with "
                            + cipherName
                            + ", which lbuvault cannot decrypt"));
    if (password.isEmpty()) {
      throw new CannotCompareException(
          file
              + " is encrypted ("
              + cipherName
              + "): give --password-file FILE (the password lbu commit encrypts with)");
    }
    InputStream in = Files.newInputStream(file);
    Decrypted decrypted;
    try {
      decrypted = OpensslEnc.open(in, cipher, password.get(), UncommittedService::looksLikeGzip);
    } catch (WrongPasswordException e) {
      in.close();
      throw new CannotCompareException(file + ": " + e.getMessage());
    } catch (IOException e) {
      in.close();
      throw e;
    }
    return ApkovlReader.members(decrypted.plaintext(), file);
  }

  /** A gzip member starts 1f 8b 08 (deflate): what lbu's {@code tar -z} writes. */
  private static boolean looksLikeGzip(byte[] first) {
    return first.length >= 3
        && (first[0] & 0xff) == 0x1f
        && (first[1] & 0xff) == 0x8b
        && first[2] == 8;
  }
}
