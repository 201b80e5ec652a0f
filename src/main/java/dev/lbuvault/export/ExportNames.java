package dev.lbuvault.export;

import dev.lbuvault.fs.SecureFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Names of exported files: the first 128 bits of HMAC-SHA256(key, host NUL version id), in hex,
 * with {@code .pgp}. The key is 32 random bytes kept in the source repository ({@code
 * REPO/export-names.key}, 0600), never in the export directory: whoever holds the disk cannot tell
 * which host or time a file belongs to (ids are timestamps, so a keyless hash would be reversed by
 * trying every second), yet the next export recomputes the same names and skips what is there.
 */
public final class ExportNames {
  public static final String KEY_FILE = "export-names.key";
  static final int KEY_BYTES = 32;
  static final int NAME_BYTES = 16;
  public static final String SUFFIX = ".pgp";

  private static final SecureRandom RANDOM = new SecureRandom();

  private final byte[] key;

  private ExportNames(byte[] key) {
    this.key = key;
  }

  /** The naming key of repository {@code root}, created (atomically, once) when missing. */
  public static ExportNames forRepository(Path root) throws IOException {
    Path file = root.resolve(KEY_FILE);
    if (!Files.exists(file)) {
      create(file);
    }
    byte[] key = Files.readAllBytes(file);
    if (key.length != KEY_BYTES) {
      throw new IOException(
          file + " holds " + key.length + " bytes, not " + KEY_BYTES + ": damaged naming key");
    }
    return new ExportNames(key);
  }

  /** Written under a temporary name and linked into place, so two first exports agree. */
  private static void create(Path file) throws IOException {
    byte[] key = new byte[KEY_BYTES];
    RANDOM.nextBytes(key);
    Path temp = file.resolveSibling("." + KEY_FILE + ".tmp-" + UUID.randomUUID());
    try {
      SecureFiles.writeAtomically(temp, key, SecureFiles.READ_ONLY_FILE_MODE);
      try {
        Files.createLink(file, temp);
      } catch (FileAlreadyExistsException raced) {
        // another export made it first: use theirs
      }
      SecureFiles.fsyncDirectory(file.getParent());
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /** The exported file name of {@code host}'s version {@code id}. */
  public String name(String host, String id) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      byte[] digest = mac.doFinal((host + "\0" + id).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, NAME_BYTES) + SUFFIX;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
    }
  }
}
