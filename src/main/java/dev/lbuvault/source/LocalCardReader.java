package dev.lbuvault.source;

import java.io.IOException;
import java.nio.file.Path;
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

  /**
   * Delivers each file's bytes from a {@link ReadAhead}, which reads the card on a thread of its
   * own while this thread's receiver hashes and writes, and checks each file's size and mtime
   * before and after reading it: a file's copy is accepted only with that check passed.
   */
  @Override
  public void read(List<CardFile> files, Receiver receiver) throws IOException, SourceException {
    if (files.isEmpty()) {
      return;
    }
    try (ReadAhead ahead = ReadAhead.start(root, files)) {
      for (CardFile f : files) {
        readOne(ahead.next(), f, receiver).accept();
      }
    }
  }

  private static Received readOne(ReadAhead.FileBytes in, CardFile f, Receiver receiver)
      throws IOException, SourceException {
    try (in) {
      Received received = receiver.receive(f, in);
      in.requireWhole();
      return received;
    } catch (ReadAhead.ReadFailure e) {
      e.rethrow();
      throw e; // not reached: rethrow always throws
    }
  }
}
