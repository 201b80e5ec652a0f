package dev.lbuvault.snapshot;

import dev.lbuvault.fs.SecureFiles;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Versions as hard-linked copies of {@code current}: each file of a version shares its inode with
 * {@code current} and older versions until the card's copy changes, so an unchanged file costs no
 * space. This is safe only because lbuvault never modifies a file of {@code current} in place: a
 * changed file is written under a new name and renamed over the old one.
 */
public final class PlainBackend implements SnapshotBackend {
  @Override
  public String name() {
    return "plain";
  }

  @Override
  public void createWorkingTree(Path current) throws IOException {
    SecureFiles.createPrivateDirectories(current);
  }

  @Override
  public void snapshot(Path current, Path target) throws IOException {
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException("cannot create version at " + target + ": it already exists");
    }
    Deque<Path> made = new ArrayDeque<>();
    Files.walkFileTree(
        current,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            Path copy = target.resolve(current.relativize(dir).toString());
            SecureFiles.createPrivateDirectories(copy);
            made.push(copy);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            if (!attrs.isRegularFile()) {
              throw new IOException("unexpected non-regular file in working tree: " + file);
            }
            Files.setPosixFilePermissions(file, SecureFiles.READ_ONLY_FILE_MODE);
            Files.createLink(target.resolve(current.relativize(file).toString()), file);
            return FileVisitResult.CONTINUE;
          }
        });
    // Directories become read-only last, deepest first, once nothing more goes into them.
    while (!made.isEmpty()) {
      Path dir = made.pop();
      Files.setPosixFilePermissions(dir, SecureFiles.READ_ONLY_DIR_MODE);
      SecureFiles.fsyncDirectory(dir);
    }
  }

  @Override
  public void delete(Path version) throws IOException {
    SecureFiles.deleteTree(version);
  }
}
