package dev.lbuvault.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * recover's in-process work without the disk: planning the FAT32 layout of a card's files
 * ({@link FatLayout#plan}) and writing the whole filesystem ({@link FatWriter}: structures, file
 * data, a SHA-256 per extent) into a sink that discards the bytes, against the floor of that
 * writing, one SHA-256 pass over the same number of bytes. The file list (paths, sizes, mtimes)
 * is read from a card directory ({@code -p card=DIR}); file contents come from memory.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FatBenchmark {
  private static final long PARTITION_OFFSET = 4L << 20;

  /** A card directory (make-card output); empty: 1,000 synthetic files of 64 MiB in all. */
  @Param("")
  public String card;

  private FatSpec spec;
  private FatLayout layout;
  private byte[] data;

  @Setup(Level.Trial)
  public void setUp() throws IOException, FatLayoutException {
    List<FatFile> files = card.isEmpty() ? synthetic() : scan(Path.of(card));
    long content = files.stream().mapToLong(FatFile::size).sum();
    long partition = (content + content / 4 + (64L << 20) + (1 << 20) - 1) >> 20 << 20;
    spec = new FatSpec(files, partition, 0x1A2B3C4D, "PIBOOT");
    layout = FatLayout.plan(spec);
    data = new byte[FatWriter.BUFFER_BYTES];
    new Random(7).nextBytes(data);
  }

  private static List<FatFile> scan(Path root) throws IOException {
    List<FatFile> files = new ArrayList<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : (Iterable<Path>) s.sorted()::iterator) {
        BasicFileAttributes a =
            Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (a.isRegularFile()) {
          String rel = root.relativize(p).toString();
          files.add(new FatFile(rel, a.size(), a.lastModifiedTime()));
        }
      }
    }
    return files;
  }

  private static List<FatFile> synthetic() {
    List<FatFile> files = new ArrayList<>();
    Random r = new Random(1);
    FileTime t = FileTime.fromMillis(1_735_725_600_000L);
    for (int i = 0; i < 1000; i++) {
      files.add(new FatFile("apks/aarch64/pkg-" + i + "-1.0-r0.apk", r.nextInt(128 << 10), t));
    }
    return files;
  }

  /** Layout planning of the whole card (names, directories, clusters, FAT chains). */
  @Benchmark
  public FatLayout layoutPlan() throws FatLayoutException {
    return FatLayout.plan(spec);
  }

  /** The whole filesystem through FatWriter into a discarding sink. */
  @Benchmark
  public long writeAll() throws IOException {
    FatWriter w = new FatWriter(layout, (offset, buf) -> buf.position(buf.limit()), PARTITION_OFFSET);
    w.writeStructures();
    for (FatFile f : layout.files()) {
      w.writeFile(f.path(), new MemoryStream(data, f.size()));
    }
    w.finish();
    return w.bytesWritten();
  }

  /** The floor of writeAll: SHA-256 over as many bytes, in 4 MiB updates. */
  @Benchmark
  public byte[] sha256SameBytes() throws NoSuchAlgorithmException {
    MessageDigest d = MessageDigest.getInstance("SHA-256");
    long left = layout.usedBytes();
    while (left > 0) {
      int n = (int) Math.min(left, data.length);
      d.update(data, 0, n);
      left -= n;
    }
    return d.digest();
  }

  /** {@code size} bytes, cycling through {@code data}. */
  static final class MemoryStream extends InputStream {
    private final byte[] data;
    private long left;
    private int pos;

    MemoryStream(byte[] data, long size) {
      this.data = data;
      this.left = size;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (left == 0) {
        return -1;
      }
      int n = (int) Math.min(Math.min(len, left), data.length - pos);
      System.arraycopy(data, pos, b, off, n);
      pos = (pos + n) % data.length;
      left -= n;
      return n;
    }
  }
}
