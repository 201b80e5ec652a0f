package dev.lbuvault.image;

import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Tools;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

/** Builds card images with FatWriter and runs the external judges (mtools, fsck.fat) on them. */
final class ImageFixtures {
  static final long PARTITION_OFFSET = Mbr.PARTITION_START_SECTOR * 512;

  private ImageFixtures() {}

  /** Deterministic pseudo-random content of a file, regenerated on demand instead of stored. */
  static InputStream content(String path, long size) {
    SplittableRandom random = new SplittableRandom(path.hashCode() * 31L + size);
    return new InputStream() {
      long left = size;

      @Override
      public int read() {
        if (left == 0) {
          return -1;
        }
        left--;
        return random.nextInt(256);
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (left == 0) {
          return -1;
        }
        int n = (int) Math.min(len, left);
        for (int i = 0; i < n; i++) {
          b[off + i] = (byte) random.nextInt(256);
        }
        left -= n;
        return n;
      }
    };
  }

  static String sha256(InputStream in) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] buffer = new byte[1 << 16];
    int n;
    while ((n = in.read(buffer)) >= 0) {
      digest.update(buffer, 0, n);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  static String expectedSha256(FatFile file) throws IOException {
    return sha256(content(file.path(), file.size()));
  }

  /**
   * Writes {@code layout} to a sparse image: with an MBR and the partition at 4 MiB if {@code
   * withMbr}, else the partition alone at offset 0. Files go in reverse layout order, to show that
   * order does not matter.
   */
  static FatWriter writeImage(Path image, FatLayout layout, boolean withMbr) throws IOException {
    long offset = withMbr ? PARTITION_OFFSET : 0;
    sparseFile(image, offset + layout.partitionBytes());
    try (FileChannel ch = FileChannel.open(image, StandardOpenOption.WRITE)) {
      if (withMbr) {
        byte[] mbr =
            Mbr.build(
                0xC0FFEE42,
                new MbrPartition(
                    Mbr.PARTITION_START_SECTOR, layout.partitionBytes() / 512, 0x0C, true));
        ch.write(ByteBuffer.wrap(mbr), 0);
      }
      FatWriter writer = new FatWriter(layout, BlockSink.of(ch), offset);
      writer.writeStructures();
      List<FatFile> files = new ArrayList<>(layout.files());
      java.util.Collections.reverse(files);
      for (FatFile file : files) {
        try (InputStream in = content(file.path(), file.size())) {
          writer.writeFile(file.path(), in);
        }
      }
      writer.finish();
      return writer;
    }
  }

  /** Creates a sparse file of {@code size} bytes (FileChannel.truncate only ever shrinks). */
  static Path sparseFile(Path file, long size) throws IOException {
    try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(size);
    }
    return file;
  }

  /**
   * Runs an mtools command with a fixed time zone and a UTF-8 locale (long names) and returns its
   * stdout; fails on a non-zero exit or any stderr output (mtools warns there, e.g. about names it
   * had to mangle). Output is decoded leniently: a mangled name may not be valid UTF-8.
   */
  static String mtools(String tool, String... args) throws IOException {
    Path path = Tools.require(tool);
    List<String> command = new ArrayList<>(List.of(path.toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("TZ", "UTC");
    pb.environment().put("LC_ALL", "C.UTF-8");
    pb.environment().put("MTOOLS_SKIP_CHECK", "1");
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Path err = Files.createTempFile("lbuvault-mtools-", ".err");
    try {
      pb.redirectError(err.toFile());
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int exit;
      try {
        exit = p.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted: " + command, e);
      }
      String stderr = new String(Files.readAllBytes(err), StandardCharsets.UTF_8);
      if (exit != 0 || !stderr.isEmpty()) {
        throw new IOException(String.join(" ", command) + " exited " + exit + ": " + stderr + out);
      }
      return out;
    } finally {
      Files.delete(err);
    }
  }

  /** fsck.fat -n -v; fails the test (via the exception) unless it exits 0 and reports nothing. */
  static Commands.Output fsck(Path partitionImage) throws IOException {
    Path fsck = Tools.require("fsck.fat");
    return Commands.run(null, List.of(fsck.toString(), "-n", "-v", partitionImage.toString()));
  }

  /** Copies the partition out of a whole-card image into its own file. */
  static Path extractPartition(Path card, long offset, long length, Path target)
      throws IOException {
    try (FileChannel in = FileChannel.open(card, StandardOpenOption.READ);
        FileChannel out =
            FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      // plain reads and writes: transferTo (copy_file_range) can stall on sparse files
      ByteBuffer b = ByteBuffer.allocate(1 << 20);
      long done = 0;
      while (done < length) {
        b.clear().limit((int) Math.min(b.capacity(), length - done));
        if (in.read(b, offset + done) < 0) {
          throw new IOException("short image");
        }
        b.flip();
        while (b.hasRemaining()) {
          done += out.write(b, done);
        }
      }
    }
    return target;
  }

  static byte[] readBytes(Path image, long offset, int length) throws IOException {
    try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(length);
      while (b.hasRemaining()) {
        if (ch.read(b, offset + b.position()) < 0) {
          throw new IOException("short image");
        }
      }
      return b.array();
    }
  }

  static String sha256OfRange(Path image, long offset, long length) throws IOException {
    try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      ByteBuffer b = ByteBuffer.allocate(1 << 20);
      long done = 0;
      while (done < length) {
        b.clear().limit((int) Math.min(b.capacity(), length - done));
        int n = ch.read(b, offset + done);
        if (n < 0) {
          throw new IOException("short image");
        }
        digest.update(b.array(), 0, n);
        done += n;
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
