package dev.lbuvault.archive;

import dev.lbuvault.crypto.CiphertextException;
import dev.lbuvault.crypto.EncCipher;
import dev.lbuvault.crypto.OpensslEnc;
import dev.lbuvault.crypto.Password;
import dev.lbuvault.crypto.WrongPasswordException;
import dev.lbuvault.fs.Sha256;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Lists and reads the members of a stored apkovl for comparison, decrypting an encrypted one with
 * the password when it is given. The apkovl was validated when it was stored, but the repository
 * may have been damaged since, so every read is bounded: at most {@link #MAX_MEMBERS} members, and
 * member contents are streamed through a digest, never held whole, except the few text files a
 * caller asks for, each up to a caller-given cap.
 */
public final class ApkovlReader {
  /** Far above any real apkovl (a few hundred members); bounds memory on a damaged one. */
  public static final int MAX_MEMBERS = 100_000;

  private static final int BUFFER_SIZE = 1 << 16;

  private ApkovlReader() {}

  /**
   * Every member of {@code apkovl}, in archive order.
   *
   * @throws InvalidApkovlException if the file is not a readable gzip-compressed tar
   */
  public static List<ApkovlMember> members(Path apkovl) throws IOException, InvalidApkovlException {
    return members(apkovl, Optional.empty());
  }

  /**
   * Every member of {@code apkovl}, in archive order, decrypting it with {@code password} if it is
   * encrypted.
   *
   * @throws InvalidApkovlException if the file is not a readable gzip-compressed tar, or is
   *     encrypted and {@code password} does not open it
   */
  public static List<ApkovlMember> members(Path apkovl, Optional<Password> password)
      throws IOException, InvalidApkovlException {
    TarArchiveInputStream opened;
    try {
      opened = open(apkovl, password);
    } catch (IOException | IllegalArgumentException e) {
      throw unreadable(apkovl, e);
    }
    return members(opened, apkovl);
  }

  /**
   * Every member of the gzip-compressed tar read from {@code plaintext} (e.g. a decrypted apkovl),
   * which is closed; {@code apkovl} names it in messages.
   *
   * @throws InvalidApkovlException if the stream is not a readable gzip-compressed tar
   */
  public static List<ApkovlMember> members(InputStream plaintext, Path apkovl)
      throws IOException, InvalidApkovlException {
    TarArchiveInputStream opened;
    try {
      opened = new TarArchiveInputStream(new GzipCompressorInputStream(plaintext));
    } catch (IOException | IllegalArgumentException e) {
      plaintext.close();
      throw unreadable(apkovl, e);
    }
    return members(opened, apkovl);
  }

  private static List<ApkovlMember> members(TarArchiveInputStream opened, Path apkovl)
      throws IOException, InvalidApkovlException {
    List<ApkovlMember> members = new ArrayList<>();
    try (TarArchiveInputStream tar = opened) {
      byte[] buffer = new byte[BUFFER_SIZE];
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        if (members.size() == MAX_MEMBERS) {
          throw new InvalidApkovlException(
              apkovl, "more than " + MAX_MEMBERS + " members", "not an apkovl lbu wrote");
        }
        members.add(describe(e, tar, buffer));
      }
    } catch (IOException | IllegalArgumentException e) {
      throw unreadable(apkovl, e);
    }
    return members;
  }

  /**
   * The contents of the named regular-file members whose size is at most {@code maxBytes}; larger
   * or missing members are absent from the result.
   */
  public static Map<String, byte[]> contents(Path apkovl, Set<String> names, int maxBytes)
      throws IOException, InvalidApkovlException {
    return contents(apkovl, names, maxBytes, Optional.empty());
  }

  /** As {@link #contents(Path, Set, int)}, decrypting an encrypted apkovl with {@code password}. */
  public static Map<String, byte[]> contents(
      Path apkovl, Set<String> names, int maxBytes, Optional<Password> password)
      throws IOException, InvalidApkovlException {
    Map<String, byte[]> found = new HashMap<>();
    try (TarArchiveInputStream tar = open(apkovl, password)) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        String name = memberName(e);
        if (e.isFile() && e.getSize() <= maxBytes && names.contains(name)) {
          ByteArrayOutputStream bytes = new ByteArrayOutputStream((int) e.getSize());
          tar.transferTo(bytes);
          found.put(name, bytes.toByteArray());
        }
      }
    } catch (IOException | IllegalArgumentException e) {
      throw unreadable(apkovl, e);
    }
    return found;
  }

  /**
   * Why an encrypted {@code apkovl} cannot be read with {@code password} ({@link
   * ApkovlSummary#NO_PASSWORD}, {@link ApkovlSummary#WRONG_PASSWORD}, an unsupported cipher), or
   * empty when it can or is not encrypted. Reads only its first blocks.
   */
  public static Optional<String> lockedReason(Path apkovl, Optional<Password> password)
      throws IOException {
    Optional<String> suffix = ApkovlName.cipherOf(String.valueOf(apkovl.getFileName()));
    if (suffix.isEmpty()) {
      return Optional.empty();
    }
    try (InputStream in = decrypting(apkovl, suffix.get(), password)) {
      return Optional.empty();
    } catch (Locked e) {
      return Optional.of(e.getMessage());
    } catch (CiphertextException e) {
      return Optional.empty(); // readable as far as the password goes; reading says the rest
    }
  }

  private static TarArchiveInputStream open(Path apkovl, Optional<Password> password)
      throws IOException, InvalidApkovlException {
    Optional<String> suffix = ApkovlName.cipherOf(String.valueOf(apkovl.getFileName()));
    InputStream in;
    try {
      in =
          suffix.isPresent()
              ? new BufferedInputStream(decrypting(apkovl, suffix.get(), password), BUFFER_SIZE)
              : new BufferedInputStream(Files.newInputStream(apkovl), BUFFER_SIZE);
    } catch (Locked e) {
      throw new InvalidApkovlException(
          apkovl,
          "encrypted apkovl not readable: " + e.getMessage(),
          "give the apkovl password with --password-file");
    }
    try {
      return new TarArchiveInputStream(new GzipCompressorInputStream(in));
    } catch (IOException e) {
      in.close();
      throw e;
    }
  }

  /** The decrypted stream of an encrypted apkovl; {@link Locked} when the password cannot. */
  private static InputStream decrypting(Path apkovl, String suffix, Optional<Password> password)
      throws IOException, Locked {
    Optional<EncCipher> cipher = EncCipher.forName(suffix);
    if (cipher.isEmpty()) {
      throw new Locked("cipher " + suffix + " is not one lbuvault decrypts");
    }
    if (password.isEmpty()) {
      throw new Locked(ApkovlSummary.NO_PASSWORD);
    }
    InputStream raw = Files.newInputStream(apkovl);
    try {
      return OpensslEnc.open(raw, cipher.get(), password.get(), ApkovlValidator::gzipStart)
          .plaintext();
    } catch (WrongPasswordException e) {
      raw.close();
      throw new Locked(ApkovlSummary.WRONG_PASSWORD);
    } catch (IOException | RuntimeException e) {
      raw.close();
      throw e;
    }
  }

  /** An encrypted apkovl that the password at hand does not open; the message says why. */
  private static final class Locked extends Exception {
    private static final long serialVersionUID = 1L;

    Locked(String reason) {
      super(reason);
    }
  }

  private static ApkovlMember describe(TarArchiveEntry e, InputStream tar, byte[] buffer)
      throws IOException {
    String name = memberName(e);
    ApkovlMember.Kind kind = kindOf(e);
    String link = e.isSymbolicLink() || e.isLink() ? e.getLinkName() : "";
    long size = 0;
    String sha256 = "";
    if (kind == ApkovlMember.Kind.FILE) {
      MessageDigest digest = Sha256.newDigest();
      for (int n = tar.read(buffer); n >= 0; n = tar.read(buffer)) {
        digest.update(buffer, 0, n);
        size += n;
      }
      sha256 = Sha256.hex(digest);
    }
    return new ApkovlMember(name, kind, e.getMode() & 07777, owner(e), link, size, sha256);
  }

  private static String memberName(TarArchiveEntry e) {
    String name = e.getName();
    return name.endsWith("/") && name.length() > 1 ? name.substring(0, name.length() - 1) : name;
  }

  private static ApkovlMember.Kind kindOf(TarArchiveEntry e) {
    if (e.isSymbolicLink()) {
      return ApkovlMember.Kind.SYMLINK;
    } else if (e.isLink()) {
      return ApkovlMember.Kind.HARDLINK;
    } else if (e.isDirectory()) {
      return ApkovlMember.Kind.DIRECTORY;
    } else if (e.isFile()) {
      return ApkovlMember.Kind.FILE;
    }
    return ApkovlMember.Kind.OTHER;
  }

  private static String owner(TarArchiveEntry e) {
    String user = e.getUserName().isEmpty() ? Long.toString(e.getLongUserId()) : e.getUserName();
    String group =
        e.getGroupName().isEmpty() ? Long.toString(e.getLongGroupId()) : e.getGroupName();
    return user + ":" + group;
  }

  private static InvalidApkovlException unreadable(Path apkovl, Exception cause) {
    return new InvalidApkovlException(
        apkovl,
        "cannot be read as a gzip-compressed tar (" + cause.getMessage() + ")",
        "run lbuvault verify; the version may be damaged");
  }
}
