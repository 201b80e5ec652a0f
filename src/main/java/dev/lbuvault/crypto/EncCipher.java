package dev.lbuvault.crypto;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An {@code openssl enc} cipher that lbuvault can decrypt, named as lbu names it in the apkovl's
 * suffix ({@code aes-256-cbc}, also openssl's aliases {@code aes256} etc.): AES with a 128, 192 or
 * 256-bit key in CBC (PKCS#7 padding), CFB (128-bit), CFB8, OFB or CTR mode.
 *
 * @param name the name as given, lower case
 * @param keyBytes the key length
 * @param mode the block cipher mode
 */
public record EncCipher(String name, int keyBytes, Mode mode) {
  /** AES's block, which is also the IV length of every supported mode. */
  static final int BLOCK_BYTES = 16;

  private static final Pattern AES = Pattern.compile("aes-(128|192|256)-(cbc|cfb|cfb8|ofb|ctr)");
  private static final Pattern AES_ALIAS = Pattern.compile("aes(128|192|256)");

  /** Block cipher modes; only CBC pads, the others turn AES into a stream cipher. */
  public enum Mode {
    CBC,
    CFB,
    CFB8,
    OFB,
    CTR;

    /** Whether the ciphertext is whole blocks, padded, so that its length is a multiple of 16. */
    public boolean padded() {
      return this == CBC;
    }
  }

  public EncCipher {
    if (keyBytes != 16 && keyBytes != 24 && keyBytes != 32) {
      throw new IllegalArgumentException("AES key must be 16, 24 or 32 bytes, got " + keyBytes);
    }
  }

  /** The cipher for an apkovl name suffix, or empty if lbuvault cannot decrypt it. */
  public static Optional<EncCipher> forName(String suffix) {
    String name = suffix.toLowerCase(Locale.ROOT);
    Matcher m = AES.matcher(name);
    if (m.matches()) {
      Mode mode = Mode.valueOf(m.group(2).toUpperCase(Locale.ROOT));
      return Optional.of(new EncCipher(name, Integer.parseInt(m.group(1)) / 8, mode));
    }
    Matcher alias = AES_ALIAS.matcher(name);
    if (alias.matches()) {
      return Optional.of(new EncCipher(name, Integer.parseInt(alias.group(1)) / 8, Mode.CBC));
    }
    return Optional.empty();
  }

  /** Bytes of key and IV that the key derivation must produce. */
  int keyAndIvBytes() {
    return keyBytes + BLOCK_BYTES;
  }
}
