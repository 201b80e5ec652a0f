package dev.lbuvault.verify;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * SHA-256, the hot path of backup (HashingCopier), verify (Verifier) and recover (FatWriter,
 * ReadBack): one 64 MiB pass over memory in 1 MiB updates, as those classes feed MessageDigest,
 * and {@link Verifier#hashFile} over a 64 MiB file in the page cache (read syscalls included).
 * scripts/bench runs it with the launcher's flags, with {@code -XX:-UseSHA} (no SHA intrinsic)
 * and with {@code -XX:TieredStopAtLevel=1} (C1 only), and turns ms/op into MB/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HashBenchmark {
  static final int MIB = 1 << 20;
  static final int PASS_MIB = 64;

  /** Directory for the 64 MiB test file (default: java.io.tmpdir). */
  @Param("")
  public String dir;

  private byte[] chunk;
  private Path file;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    chunk = new byte[MIB];
    new Random(42).nextBytes(chunk);
    Path parent = Path.of(dir.isEmpty() ? System.getProperty("java.io.tmpdir") : dir);
    file = Files.createTempFile(parent, "lbuvault-jmh-", ".bin");
    for (int i = 0; i < PASS_MIB; i++) {
      Files.write(file, chunk, java.nio.file.StandardOpenOption.APPEND);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    Files.deleteIfExists(file);
  }

  /** 64 MiB through MessageDigest in 1 MiB updates. */
  @Benchmark
  public byte[] sha256Memory64MiB() throws NoSuchAlgorithmException {
    MessageDigest d = MessageDigest.getInstance("SHA-256");
    for (int i = 0; i < PASS_MIB; i++) {
      d.update(chunk, 0, MIB);
    }
    return d.digest();
  }

  /** Verifier's per-file path on a page-cached 64 MiB file. */
  @Benchmark
  public String verifierHashFile64MiB() throws IOException {
    return Verifier.hashFile(file);
  }
}
