package dev.lbuvault.archive;

import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Tools;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Hostile archives for the hardening tests (issue 9), built with real GNU tar where GNU tar can
 * write them: apkovls that write through an earlier symbolic link, device nodes and FIFOs, and gzip
 * files holding a small tar followed by GiBs of zeros.
 */
public final class HostileArchives {
  private static final int CHUNK = 1 << 20;

  private HostileArchives() {}

  /**
   * Writes {@code out}: gzip of {@code tar} followed by {@code zeros} zero bytes, without spending
   * the time to compress GiBs. Every MiB of zeros is one independently flushed deflate run, so its
   * compressed bytes are the same each time and are written repeatedly; the CRC and length trailer
   * are computed, so the file is valid gzip that {@code gzip -t} accepts.
   */
  public static Path zeroPadded(Path out, byte[] tar, long zeros) throws IOException {
    byte[] zeroChunk = new byte[CHUNK];
    byte[] deflatedChunk = deflateFlushed(zeroChunk);
    CRC32 crc = new CRC32();
    crc.update(tar);
    try (OutputStream o = Files.newOutputStream(out)) {
      o.write(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3});
      o.write(deflateFlushed(tar));
      for (long left = zeros; left > 0; left -= CHUNK) {
        if (left >= CHUNK) {
          o.write(deflatedChunk);
          crc.update(zeroChunk);
        } else {
          o.write(deflateFlushed(new byte[(int) left]));
          crc.update(zeroChunk, 0, (int) left);
        }
      }
      o.write(new byte[] {3, 0}); // a final, empty fixed-Huffman block
      ByteBuffer trailer = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      trailer.putInt((int) crc.getValue()).putInt((int) (tar.length + zeros));
      o.write(trailer.array());
    }
    return out;
  }

  private static byte[] deflateFlushed(byte[] data) {
    Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
    try {
      deflater.setInput(data);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buffer = new byte[1 << 16];
      int n;
      do {
        n = deflater.deflate(buffer, 0, buffer.length, Deflater.FULL_FLUSH);
        out.write(buffer, 0, n);
      } while (n == buffer.length || !deflater.needsInput());
      return out.toByteArray();
    } finally {
      deflater.end();
    }
  }

  /** A small plain tar as lbu would write it (GNU tar, {@code -b 1}: no padding). */
  public static byte[] smallTar(Path work) throws IOException, InterruptedException {
    Path root = Files.createDirectories(work.resolve("small-root/etc"));
    Files.writeString(root.resolve("hostname"), "rpi\n");
    Path tar = work.resolve("small.tar");
    Commands.check(
        work.resolve("small-root"),
        Tools.require("tar").toString(),
        "-c",
        "--no-recursion",
        "-b",
        "1",
        "-f",
        tar.toString(),
        "etc",
        "etc/hostname");
    return Files.readAllBytes(tar);
  }

  /**
   * Runs GNU tar as lbu does ({@code tar -c --no-recursion -T - -z}) in {@code root} on the given
   * member names, in that order, so that names through symbolic links are kept as given.
   */
  public static Path gnuTar(Path root, Path out, List<String> members, String... extraOptions)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Tools.require("tar").toString());
    command.addAll(List.of(extraOptions));
    command.addAll(List.of("-c", "--no-recursion", "-T", "-", "-z", "-f", out.toString()));
    ApkovlFixtures.run(root, String.join("\n", members) + "\n", command.toArray(String[]::new));
    return out;
  }

  /** A fake root with {@code etc/hostname} and {@code etc/apk/world}, as every case starts. */
  public static Path fakeRoot(Path dir) throws IOException {
    Path root = Files.createDirectories(dir.resolve("etc/apk")).getParent().getParent();
    Files.writeString(root.resolve("etc/hostname"), "rpi\n", StandardCharsets.UTF_8);
    Files.writeString(root.resolve("etc/apk/world"), "alpine-base\n", StandardCharsets.UTF_8);
    return root;
  }

  /**
   * Writes a valid apkovl ({@code etc/} and {@code etc/apk/world}, then {@code etc/big} holding
   * {@code memberBytes} zeros) whose gzip is about a thousandth of that: validating it costs a full
   * decompression, which makes the validator's work measurable.
   */
  public static Path bigMemberApkovl(Path out, long memberBytes) throws IOException {
    byte[] world = "alpine-base\n".getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    head.write(header(new org.apache.commons.compress.archivers.tar.TarArchiveEntry("etc/"), 0));
    head.write(
        header(
            new org.apache.commons.compress.archivers.tar.TarArchiveEntry("etc/apk/world"),
            world.length));
    head.write(java.util.Arrays.copyOf(world, 512));
    head.write(
        header(
            new org.apache.commons.compress.archivers.tar.TarArchiveEntry("etc/big"), memberBytes));
    long padded = (memberBytes + 511) / 512 * 512;
    return zeroPadded(out, head.toByteArray(), padded + 1024);
  }

  private static byte[] header(
      org.apache.commons.compress.archivers.tar.TarArchiveEntry entry, long size) {
    entry.setSize(size);
    byte[] record = new byte[512];
    entry.writeEntryHeader(record);
    return record;
  }
}
