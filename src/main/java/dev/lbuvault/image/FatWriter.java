package dev.lbuvault.image;

import dev.lbuvault.fs.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Writes a {@link FatLayout} to a {@link BlockSink} at {@code partitionOffset}: the structures in
 * one sequential pass, then each file's bytes where the layout put them. Nothing is assumed about
 * what the target held before (a reused card holds stale data), so everything the filesystem
 * interprets is written in full: all reserved sectors (boot sector, FSInfo, the backup boot sector
 * at 6 and its FSInfo copy at 7, zeroes elsewhere), both FATs entirely (free clusters as 0), and
 * every directory cluster entirely (unused entries zero, which ends the directory). The slack after
 * a file's last byte is written as zeroes up to the end of its last cluster: every write then
 * covers whole clusters (aligned to their size), so a block device's page cache never has to read a
 * partly written page back from the card first (with 1,000 files, 1,000 small synchronous reads
 * from a card being written). Only free clusters are left as they were: no reader looks at them.
 * Memory is bounded by one 4 MiB buffer whatever the card or file size, and writes are 4 MiB
 * sequential runs. Every write is recorded as a {@link WrittenExtent} with its SHA-256 for a
 * read-back check. Not thread-safe.
 */
public final class FatWriter {
  static final int BUFFER_BYTES = 4 << 20;
  private static final int SECTOR = FatGeometry.SECTOR_BYTES;
  private static final int FAT_EOC = 0x0FFFFFFF;
  private static final int FAT_MEDIA = 0x0FFFFFF8;

  private final FatLayout layout;
  private final BlockSink sink;
  private final long partitionOffset;
  private final Set<String> written = new HashSet<>();
  private final List<WrittenExtent> extents = new ArrayList<>();
  private byte[] buffer;
  private boolean structuresWritten;
  private long bytesWritten;

  /**
   * @param partitionOffset the partition's byte offset on the sink, a multiple of 512; it also
   *     becomes the boot sector's hidden-sector count
   */
  public FatWriter(FatLayout layout, BlockSink sink, long partitionOffset) {
    this.layout = Objects.requireNonNull(layout, "layout");
    this.sink = Objects.requireNonNull(sink, "sink");
    if (partitionOffset < 0
        || partitionOffset % SECTOR != 0
        || partitionOffset / SECTOR > FatGeometry.MAX_SECTORS) {
      throw new IllegalArgumentException(
          "partition offset must be a multiple of 512 below 2 TiB, got " + partitionOffset);
    }
    this.partitionOffset = partitionOffset;
  }

  /** Writes the reserved sectors, both FATs and all directories, as one sequential extent. */
  public void writeStructures() throws IOException {
    if (structuresWritten) {
      throw new IllegalStateException("structures were already written");
    }
    FatGeometry g = layout.geometry();
    Run run = new Run(partitionOffset);
    run.put(reservedSectors());
    for (int copy = 0; copy < FatGeometry.FAT_COUNT; copy++) {
      putFat(run, g);
    }
    for (FatLayout.Node dir : layout.directories()) {
      run.put(layout.directoryBytes(dir));
    }
    run.complete();
    if (run.position != partitionOffset + layout.structureBytes()) {
      throw new IllegalStateException("structures came out at the wrong size");
    }
    structuresWritten = true;
  }

  /**
   * Writes exactly {@code file.size()} bytes from {@code data} at the file's planned place. Files
   * may come in any order, each once; writing them in layout order makes one sequential pass.
   *
   * @throws IOException naming the path if {@code data} is shorter or longer than planned, or if
   *     the sink fails
   * @throws IllegalArgumentException if the layout has no such file
   * @throws IllegalStateException if the file was already written
   */
  public void writeFile(String path, InputStream data) throws IOException {
    FatLayout.Node node = layout.fileNode(path);
    Objects.requireNonNull(data, "data");
    if (written.contains(path)) {
      throw new IllegalStateException(path + " was already written");
    }
    long size = node.file.size();
    if (size > 0) {
      Run run = new Run(partitionOffset + layout.fileOffset(path));
      long done = 0;
      while (done < size) {
        int want = (int) Math.min(run.buffer.remaining(), size - done);
        int n = data.readNBytes(run.buffer.array(), run.buffer.position(), want);
        run.buffer.position(run.buffer.position() + n);
        done += n;
        if (n < want) {
          throw new IOException(
              path + ": data ended after " + done + " of the planned " + size + " bytes");
        }
        run.flushIfFull();
      }
      requireEnd(path, data, size);
      run.putZeroes(node.clusters * layout.geometry().bytesPerCluster() - size);
      run.complete();
    } else {
      requireEnd(path, data, size);
    }
    written.add(path);
  }

  private static void requireEnd(String path, InputStream data, long size) throws IOException {
    if (data.read() >= 0) {
      throw new IOException(path + ": data is longer than the planned " + size + " bytes");
    }
  }

  /**
   * Checks that the structures and every file were written.
   *
   * @throws IOException listing what is missing
   */
  public void finish() throws IOException {
    List<String> missing = new ArrayList<>();
    for (FatFile file : layout.files()) {
      if (!written.contains(file.path())) {
        missing.add(file.path());
      }
    }
    if (!structuresWritten || !missing.isEmpty()) {
      StringBuilder message = new StringBuilder("filesystem incomplete:");
      if (!structuresWritten) {
        message.append(" structures not written;");
      }
      if (!missing.isEmpty()) {
        message
            .append(' ')
            .append(missing.size())
            .append(" file(s) not written: ")
            .append(String.join(", ", missing.subList(0, Math.min(5, missing.size()))))
            .append(missing.size() > 5 ? ", ..." : "");
      }
      throw new IOException(message.toString());
    }
  }

  /** What was written so far, in write order, at absolute sink offsets. */
  public List<WrittenExtent> extents() {
    return List.copyOf(extents);
  }

  public long bytesWritten() {
    return bytesWritten;
  }

  // ---- structures ----

  private byte[] reservedSectors() {
    FatGeometry g = layout.geometry();
    byte[] reserved = new byte[g.reservedSectors() * SECTOR];
    byte[] boot = bootSector(g);
    byte[] info = fsInfo(g);
    System.arraycopy(boot, 0, reserved, 0, SECTOR);
    System.arraycopy(info, 0, reserved, SECTOR, SECTOR);
    System.arraycopy(boot, 0, reserved, BACKUP_BOOT_SECTOR * SECTOR, SECTOR);
    System.arraycopy(info, 0, reserved, (BACKUP_BOOT_SECTOR + 1) * SECTOR, SECTOR);
    return reserved;
  }

  static final int BACKUP_BOOT_SECTOR = 6;

  private byte[] bootSector(FatGeometry g) {
    ByteBuffer b = ByteBuffer.allocate(SECTOR).order(ByteOrder.LITTLE_ENDIAN);
    // jmp to the boot code; nop
    b.put(Bpb.JUMP, (byte) Bpb.JUMP_SHORT).put(1, (byte) 0x58).put(2, (byte) 0x90);
    // fatgen103 recommends this OEM name as the one every FAT driver is happy with
    b.put(Bpb.OEM_NAME, "MSWIN4.1".getBytes(StandardCharsets.US_ASCII));
    b.putShort(Bpb.BYTES_PER_SECTOR, (short) SECTOR);
    b.put(Bpb.SECTORS_PER_CLUSTER, (byte) g.sectorsPerCluster());
    b.putShort(Bpb.RESERVED_SECTORS, (short) g.reservedSectors());
    b.put(Bpb.FAT_COUNT, (byte) FatGeometry.FAT_COUNT);
    // root entries and the 16-bit total sectors are 0 on FAT32
    b.put(Bpb.MEDIA, (byte) 0xF8); // fixed disk
    // the 16-bit FAT size is 0 on FAT32
    // CHS geometry of an LBA disk, as mkfs.fat writes for large media: nobody uses it any more
    b.putShort(Bpb.SECTORS_PER_TRACK, (short) 63);
    b.putShort(Bpb.HEADS, (short) 255);
    b.putInt(Bpb.HIDDEN_SECTORS, (int) (partitionOffset / SECTOR));
    b.putInt(Bpb.TOTAL_SECTORS_32, (int) g.totalSectors());
    b.putInt(Bpb.FAT32_FAT_SECTORS, (int) g.fatSectors());
    // flags 0: both FATs mirrored; version 0.0
    b.putInt(Bpb.FAT32_ROOT_CLUSTER, 2);
    b.putShort(Bpb.FAT32_FSINFO_SECTOR, (short) 1);
    b.putShort(Bpb.FAT32_BACKUP_BOOT_SECTOR, (short) BACKUP_BOOT_SECTOR);
    int ext = Bpb.EXTENDED_FAT32;
    b.put(ext + Bpb.EXT_DRIVE_NUMBER, (byte) 0x80); // drive number of a fixed disk
    b.put(ext + Bpb.EXT_SIGNATURE, (byte) Bpb.EXT_SIGNATURE_FULL);
    b.putInt(ext + Bpb.EXT_VOLUME_ID, layout.volumeId());
    String label = layout.label().isEmpty() ? "NO NAME" : layout.label();
    b.put(ext + Bpb.EXT_LABEL, String.format("%-11s", label).getBytes(StandardCharsets.US_ASCII));
    b.put(ext + Bpb.EXT_FS_TYPE, "FAT32   ".getBytes(StandardCharsets.US_ASCII));
    // Boot code for a PC that boots the card by mistake: cli; hlt; jmp back to hlt. The Pi's
    // firmware reads the FAT itself and never runs it.
    b.put(ext + Bpb.EXT_BOOT_CODE, new byte[] {(byte) 0xFA, (byte) 0xF4, (byte) 0xEB, (byte) 0xFD});
    b.put(Bpb.SIGNATURE, (byte) Bpb.SIGNATURE_BYTE_1)
        .put(Bpb.SIGNATURE + 1, (byte) Bpb.SIGNATURE_BYTE_2);
    return b.array();
  }

  private byte[] fsInfo(FatGeometry g) {
    ByteBuffer b = ByteBuffer.allocate(SECTOR).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(Bpb.FSINFO_LEAD_SIGNATURE, Bpb.FSINFO_LEAD_VALUE);
    b.putInt(Bpb.FSINFO_STRUCT_SIGNATURE, Bpb.FSINFO_STRUCT_VALUE);
    long free = g.clusterCount() - layout.usedClusters();
    b.putInt(Bpb.FSINFO_FREE_COUNT, (int) free);
    // next-free hint: the first cluster after everything we allocated, or "unknown" when full
    b.putInt(
        Bpb.FSINFO_NEXT_FREE, free > 0 ? (int) (layout.usedClusters() + 2) : Bpb.FSINFO_UNKNOWN);
    b.putInt(Bpb.FSINFO_TRAIL_SIGNATURE, Bpb.FSINFO_TRAIL_VALUE);
    return b.array();
  }

  /** One FAT: entries 0 and 1, the contiguous chains, then free (0) to the FAT's last sector. */
  private void putFat(Run run, FatGeometry g) throws IOException {
    int[] ends = layout.chainEnds();
    long entries = g.fatSectors() * (SECTOR / 4);
    long lastUsed = layout.usedClusters() + 1;
    int nextEnd = 0;
    for (long cluster = 0; cluster < entries; cluster++) {
      int value;
      if (cluster == 0) {
        value = FAT_MEDIA;
      } else if (cluster == 1) {
        value = FAT_EOC; // also the clean-unmount and no-error bits
      } else if (cluster <= lastUsed) {
        if (cluster == ends[nextEnd]) {
          value = FAT_EOC;
          nextEnd++;
        } else {
          value = (int) (cluster + 1);
        }
      } else {
        // all free from here: put zero sectors in bulk
        run.putZeroes((entries - cluster) * 4);
        return;
      }
      run.putInt(value);
    }
  }

  /**
   * A sequential run of writes starting at one offset: bytes collect in the shared buffer and go to
   * the sink in 4 MiB writes; {@link #complete} flushes and records the run as one extent. A run
   * abandoned by an exception is not recorded: its bytes are not a verified extent. (Hashing on a
   * second thread while writing was tried: it gained nothing measurable.)
   */
  private final class Run {
    final ByteBuffer buffer;
    final long start;
    long position;
    private final MessageDigest digest;

    Run(long start) {
      if (FatWriter.this.buffer == null) {
        FatWriter.this.buffer = new byte[BUFFER_BYTES];
      }
      this.buffer = ByteBuffer.wrap(FatWriter.this.buffer).order(ByteOrder.LITTLE_ENDIAN);
      this.start = start;
      this.position = start;
      this.digest = Sha256.newDigest();
    }

    void put(byte[] bytes) throws IOException {
      int offset = 0;
      while (offset < bytes.length) {
        int n = Math.min(buffer.remaining(), bytes.length - offset);
        buffer.put(bytes, offset, n);
        offset += n;
        flushIfFull();
      }
    }

    void putInt(int value) throws IOException {
      buffer.putInt(value);
      flushIfFull();
    }

    void putZeroes(long count) throws IOException {
      long left = count;
      while (left > 0) {
        int n = (int) Math.min(buffer.remaining(), left);
        java.util.Arrays.fill(buffer.array(), buffer.position(), buffer.position() + n, (byte) 0);
        buffer.position(buffer.position() + n);
        left -= n;
        flushIfFull();
      }
    }

    void flushIfFull() throws IOException {
      if (!buffer.hasRemaining()) {
        flush();
      }
    }

    private void flush() throws IOException {
      buffer.flip();
      int n = buffer.remaining();
      if (n > 0) {
        digest.update(buffer.array(), 0, n);
        sink.write(position, buffer);
        if (buffer.hasRemaining()) {
          throw new IOException("sink wrote only part of " + n + " bytes at offset " + position);
        }
        position += n;
        bytesWritten += n;
      }
      buffer.clear();
    }

    void complete() throws IOException {
      flush();
      if (position > start) {
        extents.add(new WrittenExtent(start, position - start, Sha256.hex(digest)));
      }
    }
  }
}
