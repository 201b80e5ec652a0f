package dev.lbuvault.archive;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Validation must stream: a card's apkovl can be large and lbuvault runs on small machines. The
 * check runs in a child JVM with a 64 MiB heap, because a test JVM's own heap proves nothing.
 */
class ApkovlValidatorMemoryTest {
  private static final int ENTRIES = 100_000;
  private static final long ZERO_FILE_BYTES = 256L << 20;
  private static final int RANDOM_FILE_BYTES = 96 << 20;

  @TempDir Path dir;

  @Test
  void aHundredThousandEntriesAndFilesLargerThanTheHeapValidateIn64MiB() throws Exception {
    Path apkovl = dir.resolve("big.apkovl.tar.gz");
    writeHugeApkovl(apkovl);
    // Incompressible content makes even the compressed file too big to hold in the child's heap.
    assertThat(Files.size(apkovl)).isGreaterThan(64L << 20);

    Process child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m",
                "-cp",
                classPath(),
                ValidateInChildJvm.class.getName(),
                apkovl.toString())
            .redirectErrorStream(true)
            .start();
    child.getOutputStream().close();
    String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(child.waitFor(5, TimeUnit.MINUTES)).isTrue();

    assertThat(child.exitValue()).as(output).isZero();
    assertThat(output.strip()).isEqualTo("entries=" + (ENTRIES + 3) + " world=[alpine-base]");
  }

  private static void writeHugeApkovl(Path file) throws IOException {
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
        GzipCompressorOutputStream gz = new GzipCompressorOutputStream(out, fast());
        TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      add(tar, "etc/apk/world", "alpine-base\n".getBytes(StandardCharsets.UTF_8));
      for (int i = 0; i < ENTRIES; i++) {
        add(
            tar,
            String.format("etc/many/file-%06d.conf", i),
            ("value=" + i + "\n").getBytes(StandardCharsets.UTF_8));
      }
      TarArchiveEntry zeros = new TarArchiveEntry("etc/zeros.img");
      zeros.setSize(ZERO_FILE_BYTES);
      tar.putArchiveEntry(zeros);
      byte[] chunk = new byte[1 << 20];
      for (long written = 0; written < ZERO_FILE_BYTES; written += chunk.length) {
        tar.write(chunk);
      }
      tar.closeArchiveEntry();
      TarArchiveEntry noise = new TarArchiveEntry("etc/noise.bin");
      noise.setSize(RANDOM_FILE_BYTES);
      tar.putArchiveEntry(noise);
      SplittableRandom random = new SplittableRandom(42);
      for (int written = 0; written < RANDOM_FILE_BYTES; written += chunk.length) {
        random.nextBytes(chunk);
        tar.write(chunk);
      }
      tar.closeArchiveEntry();
    }
  }

  private static GzipParameters fast() {
    GzipParameters parameters = new GzipParameters();
    parameters.setCompressionLevel(Deflater.BEST_SPEED);
    return parameters;
  }

  private static void add(TarArchiveOutputStream tar, String name, byte[] content)
      throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setSize(content.length);
    tar.putArchiveEntry(entry);
    tar.write(content);
    tar.closeArchiveEntry();
  }

  /** Just what the validator needs, found from the classes themselves, not surefire's booter. */
  private static String classPath() throws URISyntaxException {
    List<Class<?>> anchors =
        List.of(
            ApkovlValidator.class,
            ValidateInChildJvm.class,
            org.apache.commons.compress.archivers.tar.TarArchiveInputStream.class,
            org.apache.commons.io.IOUtils.class,
            org.apache.commons.lang3.StringUtils.class);
    Stream.Builder<String> paths = Stream.builder();
    for (Class<?> anchor : anchors) {
      paths.add(
          Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
    }
    return paths.build().distinct().collect(Collectors.joining(java.io.File.pathSeparator));
  }
}
