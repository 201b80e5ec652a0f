package dev.lbuvault.archive;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.apache.commons.compress.archivers.tar.TarUtils;

/**
 * Corrupt input of any shape must end as an InvalidApkovlException (or, if the damage happens to be
 * harmless, a summary): never a RuntimeException or an IOException that blames the disk.
 */
class ApkovlMutationPropertiesTest {
  private static final int RECORD = 512;
  private static final int CHECKSUM_OFFSET = 148;
  private static final int CHECKSUM_LENGTH = 8;
  private static final byte[] TAR;
  private static final byte[] APKOVL;

  static {
    try {
      TAR = ApkovlFixtures.inMemoryTar();
      APKOVL = ApkovlFixtures.gzip(TAR);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private final ApkovlValidator validator = new ApkovlValidator();

  /** One byte replaced: {@code position} is taken modulo the length of what is mutated. */
  record Mutation(int position, byte value) {}

  @Property(tries = 200)
  void mutatingTheCompressedFileOnlyEverYieldsAnInvalidApkovl(
      @ForAll("mutations") List<Mutation> mutations,
      @ForAll @IntRange(min = 0, max = 1000) int keepPerMille,
      @ForAll @Size(max = 16) byte[] tail)
      throws Exception {
    byte[] bytes = mutate(APKOVL, mutations, APKOVL.length);
    bytes = Arrays.copyOf(bytes, (int) ((long) bytes.length * keepPerMille / 1000));
    assertOnlyValidOrInvalidApkovl(concat(bytes, tail));
  }

  @Property(tries = 200)
  void mutatingTheTarInsideIntactGzipOnlyEverYieldsAnInvalidApkovl(
      @ForAll("mutations") List<Mutation> mutations,
      @ForAll boolean fixHeaderChecksums,
      @ForAll @IntRange(min = 0, max = 1000) int keepPerMille)
      throws Exception {
    // Mutations land where headers and names are, not in the long run of end-of-archive zeros.
    byte[] tar = mutate(TAR, mutations, meaningfulLength(TAR));
    if (fixHeaderChecksums) {
      // Get past the checksum check so commons-compress's own header parsing meets the damage.
      fixChecksumsOfMutatedHeaders(tar, mutations);
    }
    int keep = keepPerMille == 1000 ? tar.length : tar.length * keepPerMille / 1000;
    assertOnlyValidOrInvalidApkovl(ApkovlFixtures.gzip(Arrays.copyOf(tar, keep)));
  }

  @Provide
  Arbitrary<List<Mutation>> mutations() {
    Arbitrary<Byte> interesting =
        Arbitraries.of(
            (byte) 0,
            (byte) ' ',
            (byte) '0',
            (byte) '7',
            (byte) '/',
            (byte) '.',
            (byte) 'L',
            (byte) 'K',
            (byte) 'x',
            (byte) 'g',
            (byte) 'S',
            (byte) '1',
            (byte) 0x80,
            (byte) 0xff);
    Arbitrary<Byte> values = Arbitraries.oneOf(Arbitraries.bytes(), interesting);
    return Combinators.combine(Arbitraries.integers().greaterOrEqual(0), values)
        .as(Mutation::new)
        .list()
        .ofMinSize(1)
        .ofMaxSize(6);
  }

  private void assertOnlyValidOrInvalidApkovl(byte[] bytes) throws IOException {
    Path file = Files.createTempFile("mutated", ".apkovl.tar.gz");
    try {
      Files.write(file, bytes);
      try {
        validator.validate(file);
      } catch (InvalidApkovlException e) {
        assertThat(e.getMessage()).doesNotContain("\n").startsWith(file.getFileName() + ": ");
      }
    } finally {
      Files.delete(file);
    }
  }

  private static byte[] mutate(byte[] original, List<Mutation> mutations, int range) {
    byte[] bytes = original.clone();
    for (Mutation m : mutations) {
      bytes[m.position() % range] = m.value();
    }
    return bytes;
  }

  private static void fixChecksumsOfMutatedHeaders(byte[] tar, List<Mutation> mutations) {
    int range = meaningfulLength(TAR);
    for (Mutation m : mutations) {
      int start = m.position() % range / RECORD * RECORD;
      byte[] original = Arrays.copyOfRange(TAR, start, start + RECORD);
      if (!StrictTarInputStream.checksumMatches(original)) {
        continue; // not a header: data or padding
      }
      byte[] header = Arrays.copyOfRange(tar, start, start + RECORD);
      Arrays.fill(header, CHECKSUM_OFFSET, CHECKSUM_OFFSET + CHECKSUM_LENGTH, (byte) ' ');
      TarUtils.formatCheckSumOctalBytes(
          TarUtils.computeCheckSum(header), header, CHECKSUM_OFFSET, CHECKSUM_LENGTH);
      System.arraycopy(header, 0, tar, start, RECORD);
    }
  }

  private static int meaningfulLength(byte[] tar) {
    int last = tar.length - 1;
    while (last > 0 && tar[last] == 0) {
      last--;
    }
    return Math.min(tar.length, last + 1 + 2 * RECORD);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] result = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, result, a.length, b.length);
    return result;
  }
}
