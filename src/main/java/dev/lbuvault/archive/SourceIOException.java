package dev.lbuvault.archive;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Marks an I/O error of the file itself (a failing card reader, a vanished file), so it can be told
 * apart from the decoders' complaints about bad data after both have travelled up as IOException.
 */
final class SourceIOException extends IOException {
  private static final long serialVersionUID = 1L;

  SourceIOException(IOException cause) {
    super(cause.getMessage(), cause);
  }

  IOException unwrap() {
    return (IOException) getCause();
  }

  /** Tags every IOException of the wrapped stream, which reads the file on disk. */
  static InputStream tagging(InputStream in) {
    return new FilterInputStream(in) {
      @Override
      public int read() throws IOException {
        try {
          return super.read();
        } catch (IOException e) {
          throw new SourceIOException(e);
        }
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        try {
          return super.read(b, off, len);
        } catch (IOException e) {
          throw new SourceIOException(e);
        }
      }

      @Override
      public long skip(long n) throws IOException {
        try {
          return super.skip(n);
        } catch (IOException e) {
          throw new SourceIOException(e);
        }
      }

      @Override
      public int available() throws IOException {
        try {
          return super.available();
        } catch (IOException e) {
          throw new SourceIOException(e);
        }
      }
    };
  }
}
