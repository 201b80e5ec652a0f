package dev.lbuvault.recover;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Where {@link CardWriter} puts a card: an image file (written under a temporary name and renamed
 * only when complete) or a whole-disk device (held open from the first write to the MBR). Closing a
 * target that was not committed removes what an image left behind.
 */
interface CardTarget extends Closeable {
  /** The channel every write goes through. */
  FileChannel channel();

  /** A path that opens the very file or device being written, for the O_DIRECT read-back. */
  Path readPath();

  /** The target as the user named it, for messages. */
  Path shownAs();

  /** Called right before the MBR is written: the last chance to refuse. */
  void beforeMbr() throws IOException, RecoverRefusedException;

  /** Makes the written card durable and visible under its name. */
  void commit() throws IOException;
}
