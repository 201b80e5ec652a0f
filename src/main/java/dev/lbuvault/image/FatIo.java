package dev.lbuvault.image;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** Positional reads shared by the FAT reading classes. */
final class FatIo {
  private FatIo() {}

  static void readFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
    long pos = position;
    while (b.hasRemaining()) {
      int n = ch.read(b, pos);
      if (n < 0) {
        throw new EOFException("unexpected end of device or image at offset " + pos);
      }
      pos += n;
    }
  }

  /** Reads as much as is there (the FAT window may run past the end of a tiny image). */
  static void readUpTo(FileChannel ch, ByteBuffer b, long position) throws IOException {
    long pos = position;
    while (b.hasRemaining()) {
      int n = ch.read(b, pos);
      if (n < 0) {
        break;
      }
      pos += n;
    }
  }
}
