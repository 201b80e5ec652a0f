package dev.lbuvault.crypto;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Predicate;

/**
 * A program, not a test: PackageIT runs it on the package's own runtime with the shipped jar first
 * on the class path, so that decrypting every file given (made by {@code openssl enc} with password
 * {@code pw}) proves the trimmed BouncyCastle in that jar holds every class decryption loads.
 * Prints "decrypted N" and exits 0, or exits 1 naming the file.
 */
public final class DecryptWithShippedJar {
  private DecryptWithShippedJar() {}

  public static void main(String[] args) throws Exception {
    byte[] plain = Files.readAllBytes(Path.of(args[0]));
    Predicate<byte[]> gzip = b -> b.length > 1 && (b[0] & 0xff) == 0x1f && (b[1] & 0xff) == 0x8b;
    int n = 0;
    for (int i = 1; i < args.length; i++) {
      Path file = Path.of(args[i]);
      String name = file.getFileName().toString();
      EncCipher cipher = EncCipher.forName(name.substring(name.lastIndexOf(".gz.") + 4)).get();
      try (InputStream in = Files.newInputStream(file);
          Decrypted d =
              OpensslEnc.open(
                  in, cipher, new Password("pw".getBytes(StandardCharsets.UTF_8)), gzip)) {
        if (!Arrays.equals(d.plaintext().readAllBytes(), plain)) {
          System.out.println("wrong plaintext from " + file);
          System.exit(1);
        }
      }
      n++;
    }
    System.out.println("decrypted " + n);
  }
}
