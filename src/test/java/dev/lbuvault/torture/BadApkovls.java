package dev.lbuvault.torture;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.Deflater;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;

/**
 * Generates bad apkovls for {@link BadApkovlTest}: damaged gzip, garbage, hostile tar members
 * (names with {@code ..} or absolute names, symlinks and hard links pointing outside, huge declared
 * sizes, huge GNU long-name and PAX records), 100,000 entries, deep nesting, odd entry types. Each
 * case says whether lbuvault must reject it or may accept it. Links and names that point outside
 * aim at {@code escapeTarget}, a path the test checks is never created.
 */
final class BadApkovls {
  /** What the validator must conclude. */
  enum Expect {
    /** Must be rejected with a clear message. */
    INVALID,
    /** Must be accepted. */
    VALID,
    /** Either, as long as it is a clean answer. */
    ANY
  }

  /** One generated case. */
  record Case(String category, String fileName, byte[] bytes, Expect expect) {}

  static final List<String> CATEGORIES =
      List.of(
          "truncated gzip",
          "bad gzip CRC",
          "bad gzip length",
          "flipped deflate byte",
          "garbage",
          "gzip magic then garbage",
          "gzipped garbage",
          "'..' member name",
          "absolute member name",
          "symlink pointing outside",
          "hard link",
          "huge declared size",
          "huge long-name or PAX record",
          "deeply nested name",
          "many entries",
          "odd entry type",
          "not an apkovl",
          "trailing data",
          "encrypted framing",
          "odd name bytes",
          "mutated header, fixed checksum",
          "compression bomb");

  private final String escapeTarget;
  private final boolean full;

  BadApkovls(String escapeTarget, boolean full) {
    this.escapeTarget = escapeTarget;
    this.full = full;
  }

  /** Case {@code i}: the category is {@code i} modulo the number of categories. */
  Case make(int i) throws IOException {
    Random r = new Random(0x5eed0000L + i);
    int c = i % CATEGORIES.size();
    String category = CATEGORIES.get(c);
    String name = String.format("c%05d-%02d.apkovl.tar.gz", i, c);
    String outside = "../".repeat(1 + r.nextInt(12)) + escapeTarget.substring(1);
    switch (c) {
      case 0 -> {
        byte[] ok = validApkovl(r);
        return new Case(category, name, Arrays.copyOf(ok, r.nextInt(ok.length)), Expect.INVALID);
      }
      case 1 -> {
        byte[] ok = validApkovl(r);
        ok[ok.length - 8 + r.nextInt(4)] ^= (byte) (1 + r.nextInt(255));
        return new Case(category, name, ok, Expect.INVALID);
      }
      case 2 -> {
        byte[] ok = validApkovl(r);
        ok[ok.length - 4 + r.nextInt(4)] ^= (byte) (1 + r.nextInt(255));
        return new Case(category, name, ok, Expect.INVALID);
      }
      case 3 -> {
        byte[] ok = validApkovl(r);
        int flips = 1 + r.nextInt(3);
        for (int k = 0; k < flips; k++) {
          ok[10 + r.nextInt(ok.length - 18)] ^= (byte) (1 + r.nextInt(255));
        }
        return new Case(category, name, ok, Expect.ANY);
      }
      case 4 -> {
        byte[] junk = new byte[r.nextInt(4) == 0 ? r.nextInt(4) : r.nextInt(70_000)];
        r.nextBytes(junk);
        if (junk.length > 1 && junk[0] == 0x1f) {
          junk[0] = 0; // keep it garbage, not gzip by luck
        }
        return new Case(category, name, junk, Expect.INVALID);
      }
      case 5 -> {
        byte[] junk = new byte[3 + r.nextInt(20_000)];
        r.nextBytes(junk);
        junk[0] = 0x1f;
        junk[1] = (byte) 0x8b;
        junk[2] = 8;
        return new Case(category, name, junk, Expect.INVALID);
      }
      case 6 -> {
        byte[] junk = new byte[r.nextInt(50_000)];
        r.nextBytes(junk);
        return new Case(category, name, gzip(junk), Expect.INVALID);
      }
      case 7 -> {
        String[] bad = {
          "../evil",
          "etc/../../evil",
          "etc/..",
          "..",
          "./../evil",
          "etc/x/../../../y",
          "etc/../etc/passwd",
          outside,
          "etc/" + "a/".repeat(60) + "../".repeat(70) + "evil"
        };
        String member = bad[r.nextInt(bad.length)];
        return new Case(category, name, hostile(r, member, r.nextInt(4)), Expect.INVALID);
      }
      case 8 -> {
        String[] bad = {
          "/etc/shadow", "/evil", "//x", "/../x", escapeTarget, "/" + "a/".repeat(80) + "deep"
        };
        String member = bad[r.nextInt(bad.length)];
        return new Case(category, name, hostile(r, member, r.nextInt(4)), Expect.INVALID);
      }
      case 9 -> {
        String[] targets = {outside, escapeTarget, "/", "..", "../../..", "/etc/shadow"};
        Tar tar = base(r);
        tar.symlink("etc/link-" + r.nextInt(100), targets[r.nextInt(targets.length)]);
        if (r.nextBoolean()) {
          // A second member through the link, as an extractor that follows links would write.
          tar.file("etc/link-through/evil", "x");
        }
        return new Case(category, name, gzip(tar.finish()), Expect.ANY);
      }
      case 10 -> {
        int kind = r.nextInt(4);
        Tar tar = base(r);
        String target =
            switch (kind) {
              case 0 -> outside;
              case 1 -> escapeTarget;
              case 2 -> "etc/no-such-member";
              default -> "etc/hostname";
            };
        tar.hardLink("etc/hard-" + r.nextInt(100), target);
        return new Case(category, name, gzip(tar.finish()), kind < 2 ? Expect.INVALID : Expect.ANY);
      }
      case 11 -> {
        return new Case(category, name, gzip(hugeSize(r)), Expect.INVALID);
      }
      case 12 -> {
        return new Case(category, name, gzip(hugeMetadata(r)), Expect.INVALID);
      }
      case 13 -> {
        int depth = 20 + r.nextInt(full ? 6000 : 1500);
        Tar tar = base(r);
        String dir = "etc/" + "d/".repeat(depth);
        if (r.nextBoolean()) {
          tar.paxNames();
        }
        tar.dir(dir);
        tar.file(dir + "f", "deep\n");
        return new Case(category, name, gzip(tar.finish()), Expect.ANY);
      }
      case 14 -> {
        // The first such case has 100,000 entries; the others a few thousand.
        int entries = i == c ? 100_000 : 500 + r.nextInt(5_000);
        return new Case(category, name, gzip(manyEntries(entries)), Expect.VALID);
      }
      case 15 -> {
        byte[] types = {'3', '4', '6', '7', 'S', 'V', 'M', 'Z', 'D', 'N', 'A'};
        Tar tar = base(r);
        tar.raw(rawHeader("etc/odd-" + r.nextInt(100), 0, types[r.nextInt(types.length)], ""));
        return new Case(category, name, gzip(tar.finish()), Expect.ANY);
      }
      case 16 -> {
        Tar tar = new Tar();
        if (r.nextBoolean()) {
          tar.file("usr/bin/thing", "x");
          tar.file("var/lib/data", "y");
        }
        return new Case(category, name, gzip(tar.finish()), Expect.INVALID);
      }
      case 17 -> {
        byte[] ok = validApkovl(r);
        int kind = r.nextInt(3);
        if (kind == 0) {
          byte[] tail = new byte[1 + r.nextInt(600)];
          r.nextBytes(tail);
          return new Case(category, name, concat(ok, tail), Expect.INVALID);
        }
        if (kind == 1) {
          byte[] tar = base(r).finish();
          byte[] junk = new byte[1 + r.nextInt(2000)];
          r.nextBytes(junk);
          junk[0] = 'x';
          return new Case(category, name, gzip(concat(tar, junk)), Expect.INVALID);
        }
        return new Case(category, name, concat(gzip(new byte[1024]), ok), Expect.ANY);
      }
      case 18 -> {
        String encrypted = String.format("c%05d-%02d.apkovl.tar.gz.aes-256-cbc", i, c);
        int length = r.nextInt(4) == 0 ? r.nextInt(40) : 16 * (1 + r.nextInt(4000));
        if (r.nextInt(3) == 0) {
          length += 1 + r.nextInt(15);
        }
        byte[] data = new byte[length];
        r.nextBytes(data);
        boolean salted = r.nextBoolean();
        if (salted) {
          byte[] magic = "Salted__".getBytes(StandardCharsets.US_ASCII);
          System.arraycopy(magic, 0, data, 0, Math.min(magic.length, data.length));
        }
        boolean framed = salted && length >= 32 && length % 16 == 0;
        return new Case(category, encrypted, data, framed ? Expect.ANY : Expect.INVALID);
      }
      case 19 -> {
        Tar tar = base(r);
        byte[] raw = rawHeader("etc/x", 1, (byte) '0', "");
        int at = r.nextInt(100);
        for (int k = 0; k < 1 + r.nextInt(8); k++) {
          raw[r.nextInt(100)] = (byte) (r.nextBoolean() ? r.nextInt(32) : 0x80 + r.nextInt(128));
        }
        raw[at] = raw[at] == 0 ? (byte) 'x' : raw[at];
        fixChecksum(raw);
        tar.raw(raw);
        tar.raw(new byte[512]); // the member's one byte of data, padded
        return new Case(category, name, gzip(tar.finish()), Expect.ANY);
      }
      case 20 -> {
        byte[] tar = base(r).finish();
        List<Integer> headers = headerOffsets(tar);
        int header = headers.get(r.nextInt(headers.size()));
        for (int k = 0; k < 1 + r.nextInt(6); k++) {
          tar[header + r.nextInt(512)] = (byte) r.nextInt(256);
        }
        if (header + 512 <= tar.length) {
          byte[] h = Arrays.copyOfRange(tar, header, header + 512);
          fixChecksum(h);
          System.arraycopy(h, 0, tar, header, 512);
        }
        return new Case(category, name, gzip(tar), Expect.ANY);
      }
      default -> {
        long mib = full ? 32 + r.nextInt(224) : 4 + r.nextInt(12);
        return new Case(category, name, zeroBomb(mib << 20), Expect.VALID);
      }
    }
  }

  /** A tar of the kind {@link #hostile} puts {@code member} in: file, dir, symlink or PAX path. */
  private byte[] hostile(Random r, String member, int how) throws IOException {
    Tar tar = base(r);
    switch (how) {
      case 0 -> tar.file(member, "evil\n");
      case 1 -> tar.dir(member);
      case 2 -> tar.symlink(member, escapeTarget);
      default -> {
        tar.paxNames();
        tar.file(member + "/" + "p".repeat(120), "evil\n");
      }
    }
    return gzip(tar.finish());
  }

  /** A small valid apkovl with random content sizes. */
  static byte[] validApkovl(Random r) throws IOException {
    return gzip(base(r).finish());
  }

  private static Tar base(Random r) throws IOException {
    Tar tar = new Tar();
    tar.dir("etc/");
    tar.file("etc/hostname", "rpi\n");
    tar.file("etc/apk/world", "alpine-base\nchrony\nopenssh\n");
    tar.file("etc/fstab", "UUID=1A2B-3C4D /media/mmcblk0p1 vfat noauto,ro 0 0\n");
    tar.symlink("etc/apk/cache", "/media/mmcblk0p1/cache");
    byte[] noise = new byte[r.nextInt(20_000)];
    r.nextBytes(noise);
    tar.file("etc/ssh/ssh_host_ed25519_key", noise);
    return tar;
  }

  private static byte[] manyEntries(int entries) throws IOException {
    Tar tar = new Tar();
    tar.file("etc/apk/world", "alpine-base\n");
    for (int k = 0; k < entries; k++) {
      tar.file(String.format("etc/many/%03d/file-%06d.conf", k % 997, k), "v=" + k + "\n");
    }
    return tar.finish();
  }

  /** A regular member whose declared size is far beyond what follows. */
  private static byte[] hugeSize(Random r) throws IOException {
    Tar tar = base(r);
    byte[] h = rawHeader("etc/huge.img", 0, (byte) '0', "");
    byte[] size = new byte[12];
    switch (r.nextInt(5)) {
      case 0 -> System.arraycopy(ascii("77777777777\0"), 0, size, 0, 12); // 8 GiB - 1
      case 1 -> {
        size[0] = (byte) 0x80; // base-256: 2^62
        size[4] = 0x40;
      }
      case 2 -> Arrays.fill(size, (byte) 0xff); // base-256: -1
      case 3 -> System.arraycopy(ascii("zzzzzzzzzzz\0"), 0, size, 0, 12);
      default -> {
        size[0] = (byte) 0x80; // base-256: Long.MAX_VALUE
        size[4] = 0x7f;
        Arrays.fill(size, 5, 12, (byte) 0xff);
      }
    }
    System.arraycopy(size, 0, h, 124, 12);
    fixChecksum(h);
    tar.raw(h);
    byte[] some = new byte[512 * r.nextInt(8)];
    r.nextBytes(some);
    tar.raw(some);
    return tar.finishRaw();
  }

  /** A GNU long-name or PAX header that declares a gigantic payload. */
  private static byte[] hugeMetadata(Random r) throws IOException {
    Tar tar = base(r);
    int kind = r.nextInt(4);
    byte type =
        switch (kind) {
          case 0 -> TarConstants.LF_GNUTYPE_LONGNAME;
          case 1 -> TarConstants.LF_GNUTYPE_LONGLINK;
          case 2 -> TarConstants.LF_PAX_EXTENDED_HEADER_LC;
          default -> TarConstants.LF_PAX_GLOBAL_EXTENDED_HEADER;
        };
    long declared = r.nextBoolean() ? (1L << 30) : (8L << 30) - 1;
    byte[] h = rawHeader("././@LongLink", declared, type, "");
    tar.raw(h);
    if (r.nextBoolean()) {
      // Some real payload, as if it went on: a long PAX record or a long name.
      byte[] payload = new byte[512 * (1 + r.nextInt(4096))];
      byte fill = kind >= 2 ? (byte) '9' : (byte) 'a';
      Arrays.fill(payload, fill);
      tar.raw(payload);
    }
    return tar.finishRaw();
  }

  private static byte[] zeroBomb(long bytes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    GzipParameters p = new GzipParameters();
    p.setCompressionLevel(Deflater.BEST_COMPRESSION);
    try (GzipCompressorOutputStream gz = new GzipCompressorOutputStream(out, p);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      add(tar, "etc/apk/world", "alpine-base\n".getBytes(StandardCharsets.UTF_8));
      TarArchiveEntry e = new TarArchiveEntry("etc/zeros.img");
      e.setSize(bytes);
      tar.putArchiveEntry(e);
      byte[] chunk = new byte[1 << 20];
      for (long done = 0; done < bytes; done += chunk.length) {
        tar.write(chunk, 0, (int) Math.min(chunk.length, bytes - done));
      }
      tar.closeArchiveEntry();
    }
    return out.toByteArray();
  }

  private static void add(TarArchiveOutputStream tar, String name, byte[] content)
      throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, true);
    e.setSize(content.length);
    tar.putArchiveEntry(e);
    tar.write(content);
    tar.closeArchiveEntry();
  }

  /** A ustar/GNU header built by hand, for fields commons-compress would refuse to write. */
  static byte[] rawHeader(String name, long size, byte type, String link) {
    byte[] h = new byte[512];
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(n, 0, h, 0, Math.min(100, n.length));
    System.arraycopy(ascii("0000644\0"), 0, h, 100, 8);
    System.arraycopy(ascii("0000000\0"), 0, h, 108, 8);
    System.arraycopy(ascii("0000000\0"), 0, h, 116, 8);
    System.arraycopy(ascii(String.format("%011o\0", size & 0777777777777L)), 0, h, 124, 12);
    System.arraycopy(ascii("14567123450\0"), 0, h, 136, 12);
    h[156] = type;
    byte[] l = link.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(l, 0, h, 157, Math.min(100, l.length));
    System.arraycopy(ascii("ustar  \0"), 0, h, 257, 8);
    System.arraycopy(ascii("root"), 0, h, 265, 4);
    System.arraycopy(ascii("root"), 0, h, 297, 4);
    fixChecksum(h);
    return h;
  }

  static void fixChecksum(byte[] h) {
    Arrays.fill(h, 148, 156, (byte) ' ');
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    System.arraycopy(ascii(String.format("%06o\0 ", sum)), 0, h, 148, 8);
  }

  /** Offsets of the records that are tar headers (their checksum is right). */
  private static List<Integer> headerOffsets(byte[] tar) {
    List<Integer> offsets = new ArrayList<>();
    for (int off = 0; off + 512 <= tar.length; off += 512) {
      byte[] h = Arrays.copyOfRange(tar, off, off + 512);
      byte[] fixed = h.clone();
      fixChecksum(fixed);
      if (h[0] != 0
          && Arrays.equals(Arrays.copyOfRange(h, 148, 154), Arrays.copyOfRange(fixed, 148, 154))) {
        offsets.add(off);
      }
    }
    return offsets;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream gz = new GzipCompressorOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] result = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, result, a.length, b.length);
    return result;
  }

  /** A tar stream: members through commons-compress, or raw records, in order. */
  static final class Tar {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final List<byte[]> rawTail = new ArrayList<>();
    private TarArchiveOutputStream tar = open();

    private TarArchiveOutputStream open() {
      // One-record blocks: every record reaches the byte stream at once, so raw records
      // appended by hand land exactly after the members written so far.
      TarArchiveOutputStream t = new TarArchiveOutputStream(bytes, 512);
      t.setLongFileMode(TarArchiveOutputStream.LONGFILE_GNU);
      t.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      return t;
    }

    Tar paxNames() {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      return this;
    }

    Tar file(String name, String content) throws IOException {
      return file(name, content.getBytes(StandardCharsets.UTF_8));
    }

    Tar file(String name, byte[] content) throws IOException {
      flushRaw();
      TarArchiveEntry e = new TarArchiveEntry(name, true);
      e.setSize(content.length);
      tar.putArchiveEntry(e);
      tar.write(content);
      tar.closeArchiveEntry();
      return this;
    }

    Tar dir(String name) throws IOException {
      flushRaw();
      tar.putArchiveEntry(new TarArchiveEntry(name.endsWith("/") ? name : name + "/", true));
      tar.closeArchiveEntry();
      return this;
    }

    Tar symlink(String name, String target) throws IOException {
      flushRaw();
      TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
      e.setLinkName(target);
      tar.putArchiveEntry(e);
      tar.closeArchiveEntry();
      return this;
    }

    Tar hardLink(String name, String target) throws IOException {
      flushRaw();
      TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
      e.setLinkName(target);
      tar.putArchiveEntry(e);
      tar.closeArchiveEntry();
      return this;
    }

    /** Appends raw 512-byte records after what was written so far. */
    Tar raw(byte[] records) {
      rawTail.add(records);
      return this;
    }

    private void flushRaw() throws IOException {
      if (rawTail.isEmpty()) {
        return;
      }
      tar.flush();
      for (byte[] r : rawTail) {
        bytes.write(r);
      }
      rawTail.clear();
    }

    /** The tar with end-of-archive records. */
    byte[] finish() throws IOException {
      if (!rawTail.isEmpty()) {
        return finishRaw();
      }
      tar.close();
      return bytes.toByteArray();
    }

    /** The tar so far plus raw records and two zero records, as hand-made archives end. */
    byte[] finishRaw() throws IOException {
      tar.flush();
      for (byte[] r : rawTail) {
        bytes.write(r);
      }
      rawTail.clear();
      bytes.write(new byte[1024]);
      return bytes.toByteArray();
    }
  }
}
