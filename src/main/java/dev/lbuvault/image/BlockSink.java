package dev.lbuvault.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Objects;

/**
 * Where {@link FatWriter} puts bytes: absolute offsets on an image file or block device. An
 * implementation must consume all remaining bytes of {@code data} (the writer checks) and may keep
 * no reference to the buffer after returning, because the writer reuses it.
 */
public interface BlockSink {
  void write(long offset, ByteBuffer data) throws IOException;

  /** A sink writing with positional writes to {@code channel}, looping over short writes. */
  static BlockSink of(FileChannel channel) {
    Objects.requireNonNull(channel, "channel");
    return (offset, data) -> {
      long position = offset;
      while (data.hasRemaining()) {
        position += channel.write(data, position);
      }
    };
  }
}
