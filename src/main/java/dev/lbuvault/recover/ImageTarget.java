package dev.lbuvault.recover;

import dev.lbuvault.fs.SecureFiles;
import dev.lbuvault.image.Mbr;
import dev.lbuvault.image.MbrPartition;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * An image file that appears only complete: the card is written to {@code .NAME.lbuvault-partial-*}
 * in the target's directory (locked while written, private because the apkovl holds {@code
 * /etc/shadow}), synced, read back, renamed over NAME, and the directory synced. A killed run
 * leaves only the temporary, which the next run to the same name removes (its lock is gone); a
 * failed or refused run leaves nothing.
 */
final class ImageTarget implements CardTarget {
  /** The partition types a FAT card image carries (FAT12, FAT16, FAT32 CHS/LBA, FAT16 LBA). */
  private static final Set<Integer> FAT_TYPES = Set.of(0x01, 0x04, 0x06, 0x0b, 0x0c, 0x0e);

  private static final String PARTIAL = ".lbuvault-partial-";
  private static final int SECTOR = 512;
  private static final int CREATE_ATTEMPTS = 5;

  private final Path target;
  private final Path temp;
  private final FileChannel channel;
  private final FileLock lock;
  private boolean committed;

  private ImageTarget(Path target, Path temp, FileChannel channel, FileLock lock) {
    this.target = target;
    this.temp = temp;
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Refuses image targets that must never be written or overwritten: a directory, a path inside the
   * repository or equal to the release tarball (exit 3 whatever the flags), an existing card image
   * without {@code --yes}, any other existing file without {@code --force}.
   */
  static void checkPath(RecoverRequest req, Path repositoryRoot)
      throws IOException, RecoverRefusedException {
    Path target = req.target();
    Path parent = target.toAbsolutePath().normalize().getParent();
    if (parent == null || !Files.isDirectory(parent)) {
      throw new RecoverRefusedException(
          "the directory of " + target + " does not exist; create it first; nothing was written");
    }
    Path real = parent.toRealPath().resolve(String.valueOf(target.getFileName()));
    if (real.startsWith(repositoryRoot.toRealPath())) {
      throw new RecoverRefusedException(
          target
              + " is inside the repository "
              + repositoryRoot
              + "; write the image somewhere else; nothing was written");
    }
    if (req.alpineRelease().isPresent()
        && Files.exists(req.alpineRelease().get())
        && Files.exists(real)
        && Files.isSameFile(real, req.alpineRelease().get())) {
      throw new RecoverRefusedException(
          target + " is the --alpine-release tarball itself; choose another image name");
    }
    if (Files.isDirectory(target)) {
      throw new RecoverRefusedException(
          target + " is a directory; give an image file name such as card.img");
    }
    if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS) || req.force()) {
      return;
    }
    if (!isCardImageOrEmpty(target)) {
      throw new RecoverRefusedException(
          target
              + " exists and is not a card image (no MBR with a FAT partition); add --force to"
              + " replace it; nothing was written");
    }
    if (!req.yes() && !req.dryRun()) {
      throw new RecoverRefusedException(
          target + " already exists; add --yes to overwrite it; nothing was written");
    }
  }

  private static boolean isCardImageOrEmpty(Path file) throws IOException {
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    byte[] sector0;
    try (InputStream in = Files.newInputStream(file)) {
      sector0 = in.readNBytes(SECTOR);
    }
    if (sector0.length == 0) {
      return true;
    }
    try {
      List<MbrPartition> partitions = Mbr.parse(sector0);
      return partitions.stream().anyMatch(p -> FAT_TYPES.contains(p.type()));
    } catch (IOException e) {
      return false;
    }
  }

  /** Removes stale temporaries of earlier runs to {@code target}, then creates this run's. */
  static ImageTarget create(Path target, long sizeBytes, SecureRandom random) throws IOException {
    Path dir = target.toAbsolutePath().normalize().getParent();
    String prefix = "." + target.getFileName() + PARTIAL;
    removeStale(dir, prefix);
    for (int attempt = 1; ; attempt++) {
      ImageTarget created =
          tryCreate(target, dir.resolve(prefix + randomSuffix(random)), sizeBytes);
      if (created != null) {
        return created;
      }
      if (attempt == CREATE_ATTEMPTS) {
        throw new IOException(
            "could not keep a temporary image in "
                + dir
                + ": another run removed it "
                + CREATE_ATTEMPTS
                + " times; is a second recover writing "
                + target
                + "?");
      }
    }
  }

  private static String randomSuffix(SecureRandom random) {
    byte[] suffix = new byte[6];
    random.nextBytes(suffix);
    return HexFormat.of().formatHex(suffix);
  }

  /**
   * Creates and locks {@code temp}; null when another run's stale sweep deleted it between its
   * creation and the lock (the sweep takes any lock it can get), so that this run never writes a
   * card into a file that has no name.
   */
  private static ImageTarget tryCreate(Path target, Path temp, long sizeBytes) throws IOException {
    FileChannel ch =
        FileChannel.open(
            temp,
            EnumSet.of(
                StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE),
            PosixFilePermissions.asFileAttribute(SecureFiles.FILE_MODE));
    try {
      FileLock lock;
      try {
        lock = ch.lock();
      } catch (OverlappingFileLockException e) {
        ch.close(); // a sweep in this JVM holds it and is deleting it
        return null;
      }
      // A sweep deletes only what it has locked, so once this lock is held the name either is
      // gone already or stays; the random name is not reused.
      if (!Files.exists(temp, LinkOption.NOFOLLOW_LINKS)) {
        ch.close();
        return null;
      }
      // Sparse: only what is written takes space.
      ch.write(ByteBuffer.allocate(1), sizeBytes - 1);
      return new ImageTarget(target, temp, ch, lock);
    } catch (IOException | RuntimeException e) {
      ch.close();
      Files.deleteIfExists(temp);
      throw e;
    }
  }

  /** Deletes temporaries whose writer is gone: their lock can be taken. */
  private static void removeStale(Path dir, String prefix) throws IOException {
    DirectoryStream.Filter<Path> ours = p -> String.valueOf(p.getFileName()).startsWith(prefix);
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, ours)) {
      for (Path stale : entries) {
        if (!Files.isRegularFile(stale, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        try (FileChannel ch = FileChannel.open(stale, StandardOpenOption.WRITE);
            FileLock free = ch.tryLock()) {
          if (free != null) {
            Files.delete(stale);
          }
        } catch (OverlappingFileLockException e) {
          // Another run in this JVM is writing it.
        } catch (NoSuchFileException e) {
          // Its run finished or another sweep removed it meanwhile.
        }
      }
    }
  }

  @Override
  public FileChannel channel() {
    return channel;
  }

  @Override
  public Path readPath() {
    return temp;
  }

  @Override
  public Path shownAs() {
    return target;
  }

  @Override
  public void beforeMbr() {}

  @Override
  public void commit() throws IOException {
    channel.force(true);
    SecureFiles.moveAtomically(temp, target);
    committed = true;
    SecureFiles.fsyncDirectory(temp.getParent());
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
      channel.close();
    } finally {
      if (!committed) {
        Files.deleteIfExists(temp);
      }
    }
  }
}
