package dev.lbuvault.crypto;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPOnePassSignature;
import org.bouncycastle.openpgp.PGPPublicKeyEncryptedData;
import org.bouncycastle.openpgp.PGPSignatureList;
import org.bouncycastle.openpgp.bc.BcPGPObjectFactory;

/**
 * The decrypted content of one OpenPGP message, read as a stream. {@link #finish} reads whatever
 * the caller left, then checks the integrity packet and the signature: until it returns, what was
 * read may be forged or damaged, so callers keep it out of sight.
 */
public final class OpenPgpPlaintext extends FilterInputStream {
  private static final int DRAIN_BUFFER_BYTES = 1 << 16;

  private final BcPGPObjectFactory packets;
  private final Optional<PGPOnePassSignature> signature;
  private final PGPPublicKeyEncryptedData data;

  OpenPgpPlaintext(
      InputStream literal,
      BcPGPObjectFactory packets,
      Optional<PGPOnePassSignature> signature,
      PGPPublicKeyEncryptedData data) {
    super(literal);
    this.packets = packets;
    this.signature = signature;
    this.data = data;
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    if (b >= 0) {
      signature.ifPresent(s -> s.update((byte) b));
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = super.read(b, off, len);
    if (n > 0) {
      signature.ifPresent(s -> s.update(b, off, n));
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    // every byte must pass through the signature
    byte[] buffer = new byte[(int) Math.min(n, DRAIN_BUFFER_BYTES)];
    long skipped = 0;
    while (skipped < n) {
      int r = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
      if (r < 0) {
        break;
      }
      skipped += r;
    }
    return skipped;
  }

  /**
   * Reads to the end, then checks the integrity packet (MDC) and, when the message is signed, the
   * signature. Returns the signing key's fingerprint, empty for an unsigned message.
   *
   * @throws CiphertextException if the message was changed, cut short or badly signed
   */
  public Optional<String> finish() throws IOException {
    byte[] buffer = new byte[DRAIN_BUFFER_BYTES];
    while (read(buffer, 0, buffer.length) >= 0) {
      // drained: the checks below need the message's end
    }
    try {
      Optional<String> signer = Optional.empty();
      if (signature.isPresent()) {
        Object next = packets.nextObject();
        if (!(next instanceof PGPSignatureList list)
            || list.isEmpty()
            || !signature.get().verify(list.get(0))) {
          throw new CiphertextException("the signature does not match the content");
        }
        signer = Optional.of(String.format(java.util.Locale.ROOT, "%016X", list.get(0).getKeyID()));
      }
      if (!data.verify()) {
        throw new CiphertextException(
            "the integrity check (MDC) failed: the ciphertext was changed or cut short");
      }
      return signer;
    } catch (PGPException e) {
      throw new CiphertextException("the integrity check failed: " + e.getMessage());
    }
  }
}
