package dev.lbuvault.crypto;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.util.Date;
import java.util.Optional;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.SymmetricKeyAlgorithmTags;
import org.bouncycastle.openpgp.PGPEncryptedDataGenerator;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPLiteralData;
import org.bouncycastle.openpgp.PGPLiteralDataGenerator;
import org.bouncycastle.openpgp.PGPSecretKey;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureGenerator;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentSignerBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPGPDataEncryptorBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPublicKeyKeyEncryptionMethodGenerator;

/**
 * Writes one OpenPGP message as a stream: AES-256 with an integrity packet (SEIPD version 1, which
 * every gpg since 1.4 decrypts), the session key encrypted to one recipient, uncompressed binary
 * literal data (what lbuvault exports is already compressed), and optionally a one-pass signature.
 * Memory stays at the fixed packet buffers whatever the message's length.
 */
public final class OpenPgpEncryptor {
  /** Partial-length packet buffer: BouncyCastle writes the message in chunks of this size. */
  static final int PACKET_BUFFER_BYTES = 1 << 16;

  private OpenPgpEncryptor() {}

  /**
   * A stream whose bytes become the message's plaintext, written to {@code out}. Closing it ends
   * the message (and writes the signature) but leaves {@code out} open, so the caller can fsync.
   *
   * @param literalName the file name recorded inside the encrypted literal packet
   * @throws OpenPgpKeyException if the signing key cannot be unlocked
   */
  public static OutputStream encrypt(
      OutputStream out,
      OpenPgpRecipient recipient,
      Optional<OpenPgpSecretKeys> signer,
      String literalName,
      Date modified)
      throws IOException, OpenPgpKeyException {
    SecureRandom random = new SecureRandom();
    PGPEncryptedDataGenerator encryption =
        new PGPEncryptedDataGenerator(
            new BcPGPDataEncryptorBuilder(SymmetricKeyAlgorithmTags.AES_256)
                .setWithIntegrityPacket(true)
                .setSecureRandom(random));
    encryption.addMethod(
        new BcPublicKeyKeyEncryptionMethodGenerator(recipient.key()).setSecureRandom(random));
    Optional<PGPSignatureGenerator> signature = Optional.empty();
    try {
      if (signer.isPresent()) {
        signature = Optional.of(signatureGenerator(signer.get()));
      }
      OutputStream encrypted = encryption.open(out, new byte[PACKET_BUFFER_BYTES]);
      if (signature.isPresent()) {
        signature.get().generateOnePassVersion(false).encode(encrypted);
      }
      PGPLiteralDataGenerator literal = new PGPLiteralDataGenerator();
      OutputStream plain =
          literal.open(
              encrypted,
              PGPLiteralData.BINARY,
              literalName,
              modified,
              new byte[PACKET_BUFFER_BYTES]);
      return new MessageStream(plain, literal, encrypted, encryption, signature);
    } catch (PGPException e) {
      throw new IOException("cannot start the OpenPGP message: " + e.getMessage(), e);
    }
  }

  private static PGPSignatureGenerator signatureGenerator(OpenPgpSecretKeys signer)
      throws OpenPgpKeyException, PGPException {
    PGPSecretKey key = signer.signingKey();
    PGPSignatureGenerator generator =
        new PGPSignatureGenerator(
            new BcPGPContentSignerBuilder(
                key.getPublicKey().getAlgorithm(), HashAlgorithmTags.SHA256),
            key.getPublicKey());
    generator.init(PGPSignature.BINARY_DOCUMENT, signer.unlock(key));
    return generator;
  }

  /** Feeds the signature while writing; closing ends literal, signature and encryption in order. */
  private static final class MessageStream extends FilterOutputStream {
    private final PGPLiteralDataGenerator literal;
    private final OutputStream encrypted;
    private final PGPEncryptedDataGenerator encryption;
    private final Optional<PGPSignatureGenerator> signature;
    private boolean closed;

    MessageStream(
        OutputStream plain,
        PGPLiteralDataGenerator literal,
        OutputStream encrypted,
        PGPEncryptedDataGenerator encryption,
        Optional<PGPSignatureGenerator> signature) {
      super(plain);
      this.literal = literal;
      this.encrypted = encrypted;
      this.encryption = encryption;
      this.signature = signature;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      signature.ifPresent(s -> s.update((byte) b));
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      signature.ifPresent(s -> s.update(b, off, len));
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      literal.close();
      if (signature.isPresent()) {
        try {
          signature.get().generate().encode(encrypted);
        } catch (PGPException e) {
          throw new IOException("cannot sign the OpenPGP message: " + e.getMessage(), e);
        }
      }
      encryption.close();
    }
  }
}
