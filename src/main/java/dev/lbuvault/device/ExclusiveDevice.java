package dev.lbuvault.device;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A whole-disk block device opened with {@code O_EXCL}, which Linux grants only while nothing has
 * the device mounted or claimed (a mount, swap, dm, md) and which, while held, makes every later
 * mount or claim fail with EBUSY. Java's NIO cannot ask for {@code O_EXCL} on an existing file, so
 * {@code open(2)} is called through JNA, the only place lbuvault uses it. All I/O then goes through
 * {@code /proc/self/fd/N}: opening that reaches the very device inode held, even if the {@code
 * /dev} name is later re-pointed.
 */
public final class ExclusiveDevice implements AutoCloseable {
  // Linux's generic values (x86-64, arm64, arm): asm-generic/fcntl.h.
  private static final int O_RDWR = 02;
  private static final int O_EXCL = 0200;
  private static final int O_CLOEXEC = 02000000;
  private static final int EBUSY = 16;
  private static final int EOPNOTSUPP = 95;
  private static final int ENOTTY = 25;
  private static final int EINVAL = 22;

  /** BLKDISCARD, {@code _IO(0x12, 119)} in linux/fs.h: discard a byte range of the device. */
  private static final long BLKDISCARD = 0x1277;

  /** The libc calls used: open, close and ioctl. */
  interface LibC extends Library {
    int open(String path, int flags) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    int ioctl(int fd, NativeLong request, long[] range) throws LastErrorException;
  }

  private static LibC libc;

  private final Path device;
  private final int fd;
  private final FileChannel channel;

  private ExclusiveDevice(Path device, int fd, FileChannel channel) {
    this.device = device;
    this.fd = fd;
    this.channel = channel;
  }

  private static synchronized LibC libc() throws IOException {
    if (libc == null) {
      try {
        libc = Native.load("c", LibC.class);
      } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
        throw new IOException("cannot load the C library through JNA: " + e.getMessage(), e);
      }
    }
    return libc;
  }

  /**
   * Opens {@code device} read-write and exclusively.
   *
   * @throws DeviceBusyException if it is mounted or claimed by another program
   * @throws IOException if it cannot be opened for another reason
   */
  public static ExclusiveDevice open(Path device) throws IOException {
    LibC c = libc();
    int fd;
    try {
      fd = c.open(device.toString(), O_RDWR | O_EXCL | O_CLOEXEC);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == EBUSY) {
        throw new DeviceBusyException(
            device
                + " is busy: mounted or claimed by another program since it was checked; unmount"
                + " or release it and run recover again");
      }
      throw new IOException("cannot open " + device + " exclusively: " + e.getMessage(), e);
    }
    try {
      FileChannel ch =
          FileChannel.open(procPath(fd), StandardOpenOption.READ, StandardOpenOption.WRITE);
      return new ExclusiveDevice(device, fd, ch);
    } catch (IOException | RuntimeException e) {
      closeQuietly(c, fd);
      throw e;
    }
  }

  private static Path procPath(int fd) {
    return Path.of("/proc/self/fd", Integer.toString(fd));
  }

  /** A path that opens the held device inode (for a second, O_DIRECT, channel). */
  public Path procPath() {
    return procPath(fd);
  }

  /** The channel every write and read goes through. */
  public FileChannel channel() {
    return channel;
  }

  /**
   * Discards {@code length} bytes from {@code offset} (BLKDISCARD).
   *
   * @return false if the device does not support discard
   */
  public boolean discard(long offset, long length) throws IOException {
    try {
      libc().ioctl(fd, new NativeLong(BLKDISCARD), new long[] {offset, length});
      return true;
    } catch (LastErrorException e) {
      int errno = e.getErrorCode();
      if (errno == EOPNOTSUPP || errno == ENOTTY || errno == EINVAL) {
        return false;
      }
      throw new IOException("cannot discard " + device + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() throws IOException {
    try {
      channel.close();
    } finally {
      try {
        libc().close(fd);
      } catch (LastErrorException e) {
        throw new IOException("cannot close " + device + ": " + e.getMessage(), e);
      }
    }
  }

  private static void closeQuietly(LibC c, int fd) {
    try {
      c.close(fd);
    } catch (LastErrorException e) {
      // Already failing; the first error is the one to report.
    }
  }
}
