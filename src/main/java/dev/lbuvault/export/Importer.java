package dev.lbuvault.export;

import dev.lbuvault.archive.VersionTar;
import dev.lbuvault.crypto.OpenPgpDecryptor;
import dev.lbuvault.crypto.OpenPgpKeyException;
import dev.lbuvault.crypto.OpenPgpPlaintext;
import dev.lbuvault.crypto.OpenPgpSecretKeys;
import dev.lbuvault.crypto.OpenPgpSigner;
import dev.lbuvault.fs.SecureFiles;
import dev.lbuvault.repo.HostArea;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.RepositoryException;
import dev.lbuvault.repo.RepositoryLock;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.repo.VersionId;
import dev.lbuvault.repo.VersionMetadata;
import dev.lbuvault.verify.Problem;
import dev.lbuvault.verify.Verifier;
import dev.lbuvault.verify.VerifyReport;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Brings exported versions back into a repository of either backend. Each file the export's index
 * lists is decrypted as a stream into a hidden staging tree ({@code REPO/.import-*}); only when the
 * whole message was read and its ciphertext matched the index, its integrity packet (and signature)
 * checked, is it snapshotted to the host's {@code versions/.partial-ID}, verified there with the
 * same {@link Verifier} as {@code lbuvault verify}, and published by rename. A run killed at any
 * instant leaves only hidden leftovers that the next import (or writer of the host) deletes.
 */
public final class Importer {
  static final String STAGING_PREFIX = ".import-";
  private static final int READ_BUFFER_BYTES = 1 << 16;

  private final Repository target;
  private final Path from;
  private final OpenPgpSecretKeys keys;
  private final Optional<OpenPgpSigner> signer;
  private final Clock clock;

  public Importer(
      Repository target,
      Path from,
      OpenPgpSecretKeys keys,
      Optional<OpenPgpSigner> signer,
      Clock clock) {
    this.target = target;
    this.from = from.toAbsolutePath().normalize();
    this.keys = keys;
    this.signer = signer;
    this.clock = clock;
  }

  /** Damage in one export file: it names the file. */
  private static final class Damaged extends Exception {
    private static final long serialVersionUID = 1L;

    Damaged(String message) {
      super(message);
    }
  }

  /** Imports every listed version (of {@code host} only, when given). */
  public ImportReport importAll(Optional<String> host, Duration lockWait)
      throws IOException, RepositoryException, OpenPgpKeyException {
    ExportIndex index;
    try {
      index = ExportIndex.read(from);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(
          from + " has no " + ExportIndex.FILE + ": not an lbuvault export directory");
    }
    List<String> imported = new ArrayList<>();
    List<String> damaged = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    int already = 0;
    Set<String> cleaned = new HashSet<>();
    try (RepositoryLock ignored = target.lock(lockWait, clock, "import")) {
      removeStaging();
      for (Map.Entry<String, String> e : new java.util.TreeMap<>(index.entries()).entrySet()) {
        Path staging = target.root().resolve(STAGING_PREFIX + UUID.randomUUID());
        try {
          target.backend().createWorkingTree(staging);
          decrypt(from.resolve(e.getKey()), e.getValue(), staging);
          VersionMetadata meta = VersionMetadata.read(staging.resolve(StoredVersion.METADATA_FILE));
          if (host.isPresent() && !host.get().equals(meta.host())) {
            continue;
          }
          if (cleaned.add(meta.host())) {
            target.removeLeftovers(meta.host());
          }
          Optional<String> outcome = publish(staging, meta);
          if (outcome.isEmpty()) {
            already++;
          } else if (outcome.get().startsWith("!")) {
            failures.add(outcome.get().substring(1));
          } else {
            imported.add(outcome.get());
          }
        } catch (Damaged d) {
          damaged.add(d.getMessage());
        } finally {
          target.backend().delete(staging);
        }
      }
    }
    return new ImportReport(imported, already, damaged, failures);
  }

  /**
   * Decrypt into {@code staging}, then check the ciphertext against the index and the MDC. A file
   * that fails either way is damage; a key that does not fit an intact file is the caller's
   * mistake, so that one propagates (a byte flipped in the recipient's key id would otherwise look
   * like the wrong key).
   */
  private void decrypt(Path file, String expectedSha256, Path staging)
      throws IOException, OpenPgpKeyException, Damaged {
    MessageDigest sha256 = Exporter.sha256();
    Exception problem = null;
    // The digest sits below the buffer: BouncyCastle marks and resets to sniff the armor, and a
    // digest above the buffer would count those bytes twice.
    try (InputStream raw = Files.newInputStream(file);
        InputStream hashed =
            new BufferedInputStream(new DigestInputStream(raw, sha256), READ_BUFFER_BYTES)) {
      try (OpenPgpPlaintext plain = OpenPgpDecryptor.open(hashed, keys, signer)) {
        VersionTar.extract(plain, staging, Exporter.TOP_LEVEL);
        plain.finish();
      } catch (OpenPgpKeyException | IOException e) {
        problem = e;
      }
      hashed.transferTo(OutputStream.nullOutputStream()); // the rest, for the checksum
    } catch (NoSuchFileException e) {
      throw new Damaged(file + ": listed in the index but missing");
    }
    String actual = HexFormat.of().formatHex(sha256.digest());
    if (!actual.equals(expectedSha256)) {
      throw new Damaged(
          file
              + ": ciphertext SHA-256 is "
              + actual
              + ", the index says "
              + expectedSha256
              + " (changed, truncated or swapped)");
    }
    if (problem instanceof OpenPgpKeyException wrongKey) {
      throw wrongKey;
    }
    if (problem != null) {
      throw new Damaged(file + ": cannot be decrypted to a version: " + problem.getMessage());
    }
  }

  /**
   * Snapshot to .partial-ID, verify, rename. Empty when the repository already holds this version;
   * else "host id" on success, or "!" and the reason it was not imported.
   */
  private Optional<String> publish(Path staging, VersionMetadata meta) throws IOException {
    String host = meta.host();
    VersionId id = meta.id();
    HostArea area = target.host(host);
    SecureFiles.createPrivateDirectories(area.versions());
    Path existing = area.version(id);
    if (Files.exists(existing)) {
      Path sums = existing.resolve(StoredVersion.SUMS_FILE);
      if (Files.isRegularFile(sums)
          && Files.mismatch(sums, staging.resolve(StoredVersion.SUMS_FILE)) == -1L) {
        return Optional.empty();
      }
      return Optional.of(
          "!version "
              + id
              + " of host "
              + host
              + " exists in "
              + target.root()
              + " with other checksums; left as it is (import never overwrites a version)");
    }
    Path partial = area.partial(id);
    target.backend().snapshot(staging, partial);
    VerifyReport report = new Verifier(1).verify(List.of(new StoredVersion(host, id, partial)));
    List<Problem> problems = report.problems();
    if (report.versions().size() != 1 || !problems.isEmpty()) {
      target.backend().delete(partial);
      return Optional.of(
          "!version "
              + id
              + " of host "
              + host
              + " does not match its own checksums after decryption ("
              + (problems.isEmpty() ? "vanished" : problems.get(0).describe())
              + "); not imported");
    }
    SecureFiles.moveAtomically(partial, area.version(id));
    SecureFiles.fsyncDirectory(area.versions());
    return Optional.of(host + " " + id);
  }

  private void removeStaging() throws IOException {
    try (DirectoryStream<Path> s = Files.newDirectoryStream(target.root(), STAGING_PREFIX + "*")) {
      for (Path p : s) {
        target.backend().delete(p);
      }
    }
  }
}
