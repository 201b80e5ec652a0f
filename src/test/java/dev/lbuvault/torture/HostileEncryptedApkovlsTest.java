package dev.lbuvault.torture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.archive.HostileArchives;
import dev.lbuvault.testing.CliProcess;
import dev.lbuvault.testing.Openssl;
import dev.lbuvault.testing.Openssl.Kdf;
import dev.lbuvault.testing.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 14: hostile encrypted apkovls (issue 10). Made with the real {@code openssl enc} from
 * hostile plaintexts, or cut and bit-flipped after encryption, they are decrypted and validated
 * with the right password in one child JVM with a 64 MiB heap: each must end in its expected
 * verdict with a one-line message, nothing may crash, and the heap must stay bounded although one
 * plaintext decompresses to 4 GiB and another claims an 8 GiB member.
 */
class HostileEncryptedApkovlsTest {
  private static final String SECRET = "torture-secret-5d1e";
  private static final String CHECKED =
      "encrypted apkovls (real openssl enc, aes-256-cbc/aes-128-ctr/aes-192-cfb8, EVP and PBKDF2)"
          + " decrypted in a child JVM with -Xmx64m: ciphertext cut inside a block, at a block"
          + " boundary and inside the header, a flipped padding byte, 4 GiB of zeros after a small"
          + " tar, a tar member claiming 8 GiB, a 1 GiB member (valid), 8 MiB of random bytes"
          + " after Salted__ all end INVALID (or UNVERIFIED: wrong password) with a one-line"
          + " message, never a crash; the password appears in no output";

  @TempDir Path tmp;

  @Test
  void hostileEncryptedApkovlsEndInTheirVerdictWithBoundedMemory() throws Exception {
    Tools.require("openssl");
    try (Torture.Scenario s =
        Torture.scenario("14. hostile encrypted apkovls", "validator -Xmx64m", CHECKED)) {
      Path cases = Files.createDirectories(tmp.resolve("cases"));
      Path pw = Openssl.passwordFile(tmp.resolve("pw"), SECRET);
      Map<String, String> expected = writeCases(cases, pw);
      long start = System.nanoTime();
      Map<String, String[]> verdicts = validateInChild(cases, pw, s);
      long millis = (System.nanoTime() - start) / 1_000_000;
      for (Map.Entry<String, String> e : expected.entrySet()) {
        String[] v = verdicts.get(e.getKey());
        s.trial();
        assertThat(v).as(e.getKey()).isNotNull();
        assertThat(v[0]).as(e.getKey() + ": " + String.join(" ", v)).isEqualTo(e.getValue());
        if (v.length > 2) {
          assertThat(v[2]).doesNotContain(SECRET);
        }
      }
      s.note(expected.size() + " encrypted apkovls validated in " + millis + " ms");
      s.passed();
    }
  }

  /** Writes the cases; returns each name with its expected verdict. */
  private Map<String, String> writeCases(Path cases, Path pw) throws Exception {
    Map<String, String> expected = new LinkedHashMap<>();
    Path work = Files.createDirectories(tmp.resolve("work"));
    Path root = HostileArchives.fakeRoot(work.resolve("root"));
    Path plain =
        HostileArchives.gnuTar(
            root,
            work.resolve("plain.tar.gz"),
            List.of("etc", "etc/hostname", "etc/apk", "etc/apk/world"));
    byte[] small = HostileArchives.smallTar(work);

    encrypt(plain, cases, "a-good-cbc", "aes-256-cbc", Kdf.DEFAULT, pw);
    expected.put("a-good-cbc.apkovl.tar.gz.aes-256-cbc", "OK");
    encrypt(plain, cases, "a-good-ctr-pbkdf2", "aes-128-ctr", Kdf.PBKDF2, pw);
    expected.put("a-good-ctr-pbkdf2.apkovl.tar.gz.aes-128-ctr", "OK");

    Path cbc = encrypt(plain, cases, "cut-in-block", "aes-256-cbc", Kdf.DEFAULT, pw);
    cut(cbc, 7);
    expected.put(cbc.getFileName().toString(), "INVALID");
    Path boundary = encrypt(plain, cases, "cut-at-block", "aes-256-cbc", Kdf.MD5, pw);
    cut(boundary, 32);
    expected.put(boundary.getFileName().toString(), "INVALID");
    Path ctr = encrypt(plain, cases, "cut-ctr", "aes-128-ctr", Kdf.DEFAULT, pw);
    cut(ctr, 50);
    expected.put(ctr.getFileName().toString(), "INVALID");
    Path header = encrypt(plain, cases, "cut-header", "aes-192-cfb8", Kdf.DEFAULT, pw);
    Files.write(header, Arrays.copyOf(Files.readAllBytes(header), 12));
    expected.put(header.getFileName().toString(), "INVALID");

    Path padding = encrypt(plain, cases, "bad-padding", "aes-256-cbc", Kdf.DEFAULT, pw);
    byte[] bytes = Files.readAllBytes(padding);
    bytes[bytes.length - 17] ^= (byte) 0xff; // the last plaintext byte, the padding length
    Files.write(padding, bytes);
    expected.put(padding.getFileName().toString(), "INVALID");

    Path zeros = HostileArchives.zeroPadded(work.resolve("zeros.gz"), small, 4L << 30);
    encrypt(zeros, cases, "zeros-4GiB", "aes-128-ctr", Kdf.DEFAULT, pw);
    expected.put("zeros-4GiB.apkovl.tar.gz.aes-128-ctr", "INVALID");

    Path claims = HostileArchives.bigMemberApkovl(work.resolve("claims.gz"), 8L << 30);
    byte[] head = Arrays.copyOf(Files.readAllBytes(claims), 64 * 1024);
    Path claimsCut = Files.write(work.resolve("claims-cut.gz"), head);
    encrypt(claimsCut, cases, "claims-8GiB", "aes-256-cbc", Kdf.DEFAULT, pw);
    expected.put("claims-8GiB.apkovl.tar.gz.aes-256-cbc", "INVALID");

    Path big = HostileArchives.bigMemberApkovl(work.resolve("big.gz"), 1L << 30);
    encrypt(big, cases, "member-1GiB", "aes-192-cfb8", Kdf.DEFAULT, pw);
    expected.put("member-1GiB.apkovl.tar.gz.aes-192-cfb8", "OK");

    byte[] random = new byte[8 << 20];
    new SecureRandom().nextBytes(random);
    System.arraycopy("Salted__".getBytes(StandardCharsets.US_ASCII), 0, random, 0, 8);
    Files.write(cases.resolve("random.apkovl.tar.gz.aes-256-cbc"), random);
    expected.put("random.apkovl.tar.gz.aes-256-cbc", "UNVERIFIED");
    return expected;
  }

  private static Path encrypt(Path plain, Path cases, String name, String cipher, Kdf kdf, Path pw)
      throws Exception {
    return Openssl.encrypt(
        plain, cases.resolve(name + ".apkovl.tar.gz." + cipher), cipher, kdf, pw);
  }

  private static void cut(Path file, int bytes) throws Exception {
    byte[] all = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(all, all.length - bytes));
  }

  private Map<String, String[]> validateInChild(Path cases, Path pw, Torture.Scenario s)
      throws Exception {
    Path log = tmp.resolve("validate.log");
    Process child =
        CliProcess.startCommand(
            log,
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m",
                "-cp",
                System.getProperty("java.class.path"),
                ValidateEncryptedInChildJvm.class.getName(),
                cases.toString(),
                pw.toString()));
    assertThat(child.waitFor(10, TimeUnit.MINUTES)).isTrue();
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(child.exitValue()).as(output).isZero();
    assertThat(output).doesNotContain("CRASH").doesNotContain("IOERROR").doesNotContain(SECRET);
    Map<String, String[]> verdicts = new LinkedHashMap<>();
    for (String line : output.lines().toList()) {
      String[] f = line.split("\t", 3);
      if (f[0].equals("PEAK")) {
        long peak = Long.parseLong(f[1]);
        assertThat(peak).as("peak heap").isLessThan(64L << 20);
        s.note("peak heap " + (peak >> 20) + " MiB");
      } else {
        verdicts.put(f[1], f);
      }
    }
    return verdicts;
  }
}
