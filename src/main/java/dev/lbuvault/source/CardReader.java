package dev.lbuvault.source;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Reads one card for a backup, wherever it is: lists it ({@link #scan}) and delivers the bytes of
 * the files a backup needs ({@link #read}). Implementations never write to the card.
 */
public interface CardReader {
  /** The card's location for messages and the version's metadata. */
  String location();

  /**
   * Lists the card's files and directories.
   *
   * @throws SourceBusyException when the card changed while it was listed
   * @throws SourceException when the card cannot be reached or listed
   */
  CardScan scan() throws SourceException;

  /**
   * Hands {@code files} (from the last scan, in that order) to {@code receiver} one by one, each
   * with a stream of exactly its bytes. The receiver keeps what it read aside until the reader
   * calls {@link Received#accept}, which it does only once it knows the file did not change while
   * it was read.
   *
   * @throws SourceBusyException when a file changed, grew, shrank or vanished while it was read
   * @throws SourceException when the card could not be read to the end
   */
  void read(List<CardFile> files, Receiver receiver) throws IOException, SourceException;

  /** Takes one file's bytes. */
  @FunctionalInterface
  interface Receiver {
    /**
     * Reads {@code bytes} (exactly {@code file.size()} of them, else the file is busy) and returns
     * the way to keep them.
     */
    Received receive(CardFile file, InputStream bytes) throws IOException, SourceException;
  }

  /** One file's bytes, read and set aside, waiting for the reader's word that they are whole. */
  @FunctionalInterface
  interface Received {
    void accept() throws IOException;
  }
}
