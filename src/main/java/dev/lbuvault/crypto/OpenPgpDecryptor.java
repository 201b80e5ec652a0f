package dev.lbuvault.crypto;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.bouncycastle.openpgp.PGPEncryptedData;
import org.bouncycastle.openpgp.PGPEncryptedDataList;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPKeyPair;
import org.bouncycastle.openpgp.PGPLiteralData;
import org.bouncycastle.openpgp.PGPMarker;
import org.bouncycastle.openpgp.PGPOnePassSignature;
import org.bouncycastle.openpgp.PGPOnePassSignatureList;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyEncryptedData;
import org.bouncycastle.openpgp.PGPSecretKey;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.bc.BcPGPObjectFactory;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentVerifierBuilderProvider;
import org.bouncycastle.openpgp.operator.bc.BcPublicKeyDataDecryptorFactory;

/**
 * Opens an OpenPGP message that {@link OpenPgpEncryptor} (or gpg) wrote to one of our secret keys,
 * as a stream. Integrity protection is required; a one-pass signature is checked against {@code
 * --signer}'s key or a key of the secret key file. Nothing read may be trusted before {@link
 * OpenPgpPlaintext#finish} returned: the integrity and signature checks need the last byte.
 */
public final class OpenPgpDecryptor {
  private OpenPgpDecryptor() {}

  /**
   * Opens {@code ciphertext} with the key of {@code keys} it was encrypted to. The caller owns and
   * closes the result (which does not close {@code ciphertext}).
   *
   * @throws CiphertextException if it is not an integrity-protected OpenPGP message with literal
   *     data
   * @throws OpenPgpKeyException if no key of {@code keys} opens it or the signer is unknown
   */
  public static OpenPgpPlaintext open(
      InputStream ciphertext, OpenPgpSecretKeys keys, Optional<OpenPgpSigner> signer)
      throws IOException, OpenPgpKeyException {
    try {
      BcPGPObjectFactory outer = new BcPGPObjectFactory(PGPUtil.getDecoderStream(ciphertext));
      PGPPublicKeyEncryptedData data = encryptedTo(keys, encryptedDataList(outer));
      if (!data.isIntegrityProtected()) {
        throw new CiphertextException(
            "the message has no integrity protection (no MDC): not written by lbuvault");
      }
      PGPSecretKey secret = keys.secretKey(data.getKeyIdentifier().getKeyId()).orElseThrow();
      PGPPrivateKey privateKey = keys.unlock(secret);
      InputStream clear =
          data.getDataStream(
              new BcPublicKeyDataDecryptorFactory(
                  new PGPKeyPair(secret.getPublicKey(), privateKey)));
      BcPGPObjectFactory inner = new BcPGPObjectFactory(clear);
      Object next = inner.nextObject();
      Optional<PGPOnePassSignature> onePass = Optional.empty();
      if (next instanceof PGPOnePassSignatureList list && !list.isEmpty()) {
        onePass = Optional.of(startVerifying(list.get(0), keys, signer));
        next = inner.nextObject();
      } else if (signer.isPresent()) {
        throw new OpenPgpKeyException(
            "the message is not signed, but --signer asks for a signature");
      }
      if (!(next instanceof PGPLiteralData literal)) {
        throw new CiphertextException(
            "the encrypted message holds "
                + (next == null ? "nothing" : next.getClass().getSimpleName())
                + " where literal data was expected (compressed or not written by lbuvault)");
      }
      return new OpenPgpPlaintext(literal.getInputStream(), inner, onePass, data);
    } catch (PGPException e) {
      throw new CiphertextException("not a readable OpenPGP message: " + e.getMessage());
    }
  }

  private static PGPEncryptedDataList encryptedDataList(BcPGPObjectFactory outer)
      throws IOException {
    Object first;
    try {
      first = outer.nextObject();
      while (first instanceof PGPMarker) {
        first = outer.nextObject();
      }
    } catch (IOException | RuntimeException e) {
      throw new CiphertextException("not an OpenPGP message (" + e.getMessage() + ")");
    }
    if (!(first instanceof PGPEncryptedDataList list)) {
      throw new CiphertextException(
          "not an OpenPGP encrypted message (it starts with "
              + (first == null ? "nothing" : first.getClass().getSimpleName())
              + ")");
    }
    return list;
  }

  private static PGPPublicKeyEncryptedData encryptedTo(
      OpenPgpSecretKeys keys, PGPEncryptedDataList list) throws OpenPgpKeyException {
    List<String> recipients = new ArrayList<>();
    for (PGPEncryptedData d : list) {
      if (d instanceof PGPPublicKeyEncryptedData pk) {
        if (keys.secretKey(pk.getKeyIdentifier().getKeyId()).isPresent()) {
          return pk;
        }
        recipients.add(String.format(Locale.ROOT, "%016X", pk.getKeyIdentifier().getKeyId()));
      }
    }
    throw new OpenPgpKeyException(
        "the message is encrypted to key "
            + (recipients.isEmpty() ? "(none: not public-key encrypted)" : recipients)
            + ", which secret key file "
            + keys.file()
            + " does not hold");
  }

  private static PGPOnePassSignature startVerifying(
      PGPOnePassSignature onePass, OpenPgpSecretKeys keys, Optional<OpenPgpSigner> signer)
      throws OpenPgpKeyException, PGPException {
    long id = onePass.getKeyID();
    Optional<PGPPublicKey> key =
        signer.isPresent() ? signer.get().publicKey(id) : keys.publicKey(id);
    if (key.isEmpty()) {
      throw new OpenPgpKeyException(
          String.format(Locale.ROOT, "the message is signed by key %016X, which ", id)
              + (signer.isPresent()
                  ? "--signer's key file does not hold"
                  : "the secret key file does not hold; give the signer's public key with"
                      + " --signer FILE"));
    }
    onePass.init(new BcPGPContentVerifierBuilderProvider(), key.get());
    return onePass;
  }
}
