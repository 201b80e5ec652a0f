package dev.lbuvault.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbuvault.fs.Sha256;
import dev.lbuvault.testing.Tools;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local card reader reads ahead on a thread of its own: every byte must still arrive, in order,
 * and a file that changes or vanishes before or while it is read must never be accepted. {@code
 * sha256sum} judges the bytes.
 */
class LocalCardReaderTest {
  private static final int CHUNK = ReadAhead.CHUNK_BYTES;

  @TempDir Path card;

  private final List<String> accepted = new ArrayList<>();

  private LocalCardReader reader() {
    return new LocalCardReader(card, new CardScanner());
  }

  private void write(String path, int size, long seed) throws IOException {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    Path p = card.resolve(path);
    Files.createDirectories(p.getParent());
    Files.write(p, bytes);
  }

  /** Hashes what the reader delivers, reading in odd-sized pieces; records each accept. */
  private CardReader.Receiver hashingInto(Map<String, String> hashes) {
    return (f, in) -> {
      MessageDigest d = Sha256.newDigest();
      byte[] b = new byte[7777];
      for (int n; (n = in.read(b)) >= 0; ) {
        d.update(b, 0, n);
      }
      String hex = Sha256.hex(d);
      return () -> {
        accepted.add(f.path());
        hashes.put(f.path(), hex);
      };
    };
  }

  private Map<String, String> sha256sum(List<CardFile> files) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Tools.require("sha256sum").toString(), "--"));
    files.forEach(f -> cmd.add(f.path()));
    Process p = new ProcessBuilder(cmd).directory(card.toFile()).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).isZero();
    Map<String, String> sums = new HashMap<>();
    for (String line : out.split("\n")) {
      sums.put(line.substring(66), line.substring(0, 64));
    }
    return sums;
  }

  @Test
  void deliversEveryFileByteForByteInScanOrderAsSha256sumReadsIt() throws Exception {
    int[] sizes = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + CHUNK / 2};
    for (int i = 0; i < sizes.length; i++) {
      write("boot/f" + i + ".bin", sizes[i], i);
    }
    // More files than the read-ahead has buffers, so buffers are reused across files.
    for (int i = 0; i < 3 * ReadAhead.CHUNKS; i++) {
      write("apks/small-" + i + ".apk", 10_000 + i, 100 + i);
    }
    CardScan scan = reader().scan();
    Map<String, String> hashes = new LinkedHashMap<>();

    reader().read(scan.files(), hashingInto(hashes));

    assertThat(accepted)
        .containsExactlyElementsOf(scan.files().stream().map(CardFile::path).toList());
    assertThat(hashes).containsExactlyInAnyOrderEntriesOf(sha256sum(scan.files()));
  }

  @Test
  void aFileChangedAfterTheScanIsBusyAndNeitherItNorAnyLaterFileIsAccepted() throws Exception {
    write("a.bin", 5000, 1);
    write("b.bin", 5000, 2);
    write("c.bin", 5000, 3);
    CardScan scan = reader().scan();
    Files.setLastModifiedTime(
        card.resolve("b.bin"),
        FileTime.fromMillis(scan.byPath().get("b.bin").mtime().toMillis() + 60_000));

    assertThatThrownBy(() -> reader().read(scan.files(), hashingInto(new HashMap<>())))
        .isInstanceOf(SourceBusyException.class)
        .hasMessageEndingWith("(b.bin changed while it was read)");
    assertThat(accepted).containsExactly("a.bin");
  }

  @Test
  void aFileChangedWhileItIsBeingReadIsBusyAndNotAccepted() throws Exception {
    // Larger than the read-ahead's reach, so the reading thread is still inside the file when it
    // changes, and its after-read check must be what catches the change.
    int size = (ReadAhead.CHUNKS + 16) * CHUNK;
    write("big.bin", size, 7);
    CardScan scan = reader().scan();
    Path big = card.resolve("big.bin");
    CardReader.Receiver changesAfterFirstChunk =
        (f, in) -> {
          byte[] b = new byte[CHUNK];
          long total = in.readNBytes(b, 0, CHUNK);
          Files.setLastModifiedTime(big, FileTime.fromMillis(f.mtime().toMillis() + 60_000));
          total += in.transferTo(OutputStream.nullOutputStream());
          assertThat(total).isEqualTo(size);
          return () -> accepted.add(f.path());
        };

    assertThatThrownBy(() -> reader().read(scan.files(), changesAfterFirstChunk))
        .isInstanceOf(SourceBusyException.class)
        .hasMessageEndingWith("(big.bin changed while it was read)");
    assertThat(accepted).isEmpty();
  }

  @Test
  void aFileThatVanishedIsBusy() throws Exception {
    write("a.bin", 100, 1);
    write("gone.bin", 100, 2);
    CardScan scan = reader().scan();
    Files.delete(card.resolve("gone.bin"));

    assertThatThrownBy(() -> reader().read(scan.files(), hashingInto(new HashMap<>())))
        .isInstanceOf(SourceBusyException.class)
        .hasMessageEndingWith("(gone.bin vanished while it was read)");
    assertThat(accepted).containsExactly("a.bin");
  }

  @Test
  void aReceiverThatFailsStopsTheReadingThread() throws Exception {
    write("big.bin", (ReadAhead.CHUNKS + 8) * CHUNK, 9);
    CardScan scan = reader().scan();
    CardReader.Receiver failing =
        (f, in) -> {
          in.readNBytes(10);
          throw new IOException("disk full");
        };

    assertThatThrownBy(() -> reader().read(scan.files(), failing)).hasMessage("disk full");
    assertThat(Thread.getAllStackTraces().keySet())
        .noneMatch(t -> t.getName().equals("lbuvault-card-read") && t.isAlive());
  }

  @Test
  void aReceiverThatSwallowsTheChangedFilesErrorStillGetsTheFileRefused() throws Exception {
    write("a.bin", 5000, 1);
    write("b.bin", 5000, 2);
    CardScan scan = reader().scan();
    Files.setLastModifiedTime(
        card.resolve("b.bin"),
        FileTime.fromMillis(scan.byPath().get("b.bin").mtime().toMillis() + 60_000));
    List<String> swallowed = new ArrayList<>();
    CardReader.Receiver careless =
        (f, in) -> {
          try {
            in.readAllBytes();
          } catch (IOException e) {
            swallowed.add(f.path());
          }
          return () -> accepted.add(f.path());
        };

    assertThatThrownBy(() -> reader().read(scan.files(), careless))
        .isInstanceOf(SourceBusyException.class)
        .hasMessageEndingWith("(b.bin changed while it was read)");
    assertThat(swallowed).containsExactly("b.bin");
    assertThat(accepted).containsExactly("a.bin");
  }
}
