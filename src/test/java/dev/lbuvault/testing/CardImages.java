package dev.lbuvault.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Judges of a card image made of an MBR and a FAT partition at 4 MiB: mtools, fsck.fat, blkid. */
public final class CardImages {
  public static final long PARTITION_OFFSET = 4L << 20;

  private CardImages() {}

  /** {@code mtools}' image spec for the partition. */
  public static String mtoolsImage(Path image) {
    return image + "@@" + PARTITION_OFFSET;
  }

  /** Extracts every file of the partition into {@code dir} with {@code mcopy -s}. */
  public static Path extract(Path image, Path dir) throws IOException {
    Tools.require("mcopy");
    Files.createDirectories(dir);
    Commands.Output o =
        Commands.run(
            null,
            List.of(
                "env",
                "MTOOLS_SKIP_CHECK=1",
                "TZ=UTC",
                "mcopy",
                "-s",
                "-n",
                "-m",
                "-i",
                mtoolsImage(image),
                "::*",
                dir.toString()));
    if (o.exitCode() != 0) {
      throw new IOException("mcopy failed: " + o.stderr());
    }
    return dir;
  }

  /**
   * {@code fsck.fat -n -v} of the partition, through a loop device at its offset; returns output.
   */
  public static Commands.Output fsck(Path image, long partitionBytes) throws IOException {
    Tools.require("fsck.fat");
    try (LoopDevice loop = LoopDevice.attach(image, PARTITION_OFFSET, partitionBytes, true)) {
      return Commands.run(null, List.of("fsck.fat", "-n", "-v", loop.path().toString()));
    }
  }

  /** {@code blkid -p -o value -s TAG} of the partition. */
  public static String blkid(Path image, long partitionBytes, String tag) throws IOException {
    Tools.require("blkid");
    try (LoopDevice loop = LoopDevice.attach(image, PARTITION_OFFSET, partitionBytes, true)) {
      return Commands.check(null, "blkid", "-p", "-o", "value", "-s", tag, loop.path().toString())
          .strip();
    }
  }
}
