package dev.lbuvault.export;

import dev.lbuvault.archive.VersionTar;
import dev.lbuvault.crypto.OpenPgpEncryptor;
import dev.lbuvault.crypto.OpenPgpKeyException;
import dev.lbuvault.crypto.OpenPgpRecipient;
import dev.lbuvault.crypto.OpenPgpSecretKeys;
import dev.lbuvault.fs.SecureFiles;
import dev.lbuvault.repo.ReadLock;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.StoredVersion;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Exports versions for a disk or folder that is not trusted: each version becomes one OpenPGP
 * message to the recipient's public key whose plaintext is the version as a tar ({@link
 * VersionTar}), so {@code gpg --decrypt F | tar -x} restores it without lbuvault. Files get opaque
 * names ({@link ExportNames}) and are listed in the directory's {@link ExportIndex} with the
 * SHA-256 of their ciphertext. Each is streamed to a temporary name, fsynced and renamed, and only
 * then added to the index: a run killed at any instant leaves no file counted as exported that is
 * not whole. Versions already in the index are skipped.
 */
public final class Exporter {
  /** The tar's top-level names, in the order they are written. */
  public static final List<String> TOP_LEVEL =
      List.of(StoredVersion.CARD_DIR, StoredVersion.SUMS_FILE, StoredVersion.METADATA_FILE);

  private static final int WRITE_BUFFER_BYTES = 1 << 16;

  private final Repository source;
  private final Path dir;
  private final OpenPgpRecipient recipient;
  private final Optional<OpenPgpSecretKeys> signer;

  public Exporter(
      Repository source, Path dir, OpenPgpRecipient recipient, Optional<OpenPgpSecretKeys> signer) {
    this.source = source;
    this.dir = dir.toAbsolutePath().normalize();
    this.recipient = recipient;
    this.signer = signer;
  }

  /** Exports every version of {@code hosts} (all of the repository's when empty), oldest first. */
  public ExportReport export(List<String> hosts) throws IOException, OpenPgpKeyException {
    List<String> chosen = hosts.isEmpty() ? source.hosts() : hosts;
    ExportNames names = ExportNames.forRepository(source.root());
    List<String> exported = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    int already = 0;
    try (ExportDirectory ignored = ExportDirectory.lock(dir)) {
      ExportDirectory.removeTemporaries(dir);
      ExportIndex index = ExportIndex.readOrEmpty(dir);
      for (String host : chosen) {
        List<StoredVersion> versions = source.versions(host);
        try (ReadLock held = ReadLock.shared(source, host, versions)) {
          for (StoredVersion v : versions) {
            String name = names.name(host, v.id().value());
            if (index.contains(name) && Files.exists(dir.resolve(name))) {
              already++;
            } else if (Files.isDirectory(v.dir())) {
              try {
                index.put(name, write(v, name));
                exported.add(host + " " + v.id() + " -> " + name);
              } catch (IOException e) {
                failures.add(
                    "version "
                        + v.id()
                        + " of host "
                        + host
                        + " was not exported: "
                        + e.getMessage());
              }
            }
          }
        }
      }
    }
    return new ExportReport(exported, already, failures);
  }

  /** Encrypt to a temporary name while hashing the ciphertext, fsync, rename; the SHA-256. */
  private String write(StoredVersion v, String name) throws IOException, OpenPgpKeyException {
    Path temp = dir.resolve(ExportDirectory.TEMP_PREFIX + UUID.randomUUID());
    MessageDigest sha256 = sha256();
    try {
      try (FileChannel file =
          FileChannel.open(
              temp,
              Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
              PosixFilePermissions.asFileAttribute(SecureFiles.FILE_MODE))) {
        OutputStream ciphertext =
            new DigestOutputStream(
                new BufferedOutputStream(Channels.newOutputStream(file), WRITE_BUFFER_BYTES) {
                  @Override
                  public void close() throws IOException {
                    flush(); // the channel stays open for force()
                  }
                },
                sha256);
        OutputStream plaintext =
            OpenPgpEncryptor.encrypt(
                ciphertext, recipient, signer, "version.tar", Date.from(v.id().time()));
        VersionTar.write(v.dir(), TOP_LEVEL, plaintext); // closes plaintext: the message ends
        ciphertext.close();
        file.force(true);
      }
      SecureFiles.moveAtomically(temp, dir.resolve(name));
      SecureFiles.fsyncDirectory(dir);
    } finally {
      Files.deleteIfExists(temp);
    }
    return HexFormat.of().formatHex(sha256.digest());
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
