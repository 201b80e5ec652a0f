package dev.lbuvault.source;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

/**
 * A card mounted at a local directory: listed by {@link CardScanner}, each file read with a stat
 * before and after, so a file lbu rewrote meanwhile is never kept.
 */
public final class LocalCardReader implements CardReader {
  private final Path root;
  private final CardScanner scanner;

  public LocalCardReader(Path root, CardScanner scanner) {
    this.root = root;
    this.scanner = scanner;
  }

  public Path root() {
    return root;
  }

  @Override
  public String location() {
    return root.toString();
  }

  @Override
  public CardScan scan() throws SourceException {
    return scanner.scan(root);
  }

  @Override
  public void read(List<CardFile> files, Receiver receiver) throws IOException, SourceException {
    for (CardFile f : files) {
      Path file = root.resolve(f.path());
      requireUnchanged(file, f);
      Received received;
      try (InputStream in = Files.newInputStream(file)) {
        received = receiver.receive(f, in);
      } catch (NoSuchFileException e) {
        throw new SourceBusyException(f.path() + " vanished while it was read");
      }
      requireUnchanged(file, f);
      received.accept();
    }
  }

  private static void requireUnchanged(Path file, CardFile expected)
      throws IOException, SourceBusyException {
    BasicFileAttributes now;
    try {
      now = Files.readAttributes(file, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      throw new SourceBusyException(expected.path() + " vanished while it was read");
    }
    if (now.size() != expected.size() || !now.lastModifiedTime().equals(expected.mtime())) {
      throw new SourceBusyException(expected.path() + " changed while it was read");
    }
  }
}
