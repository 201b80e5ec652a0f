package dev.lbuvault.archive;

import dev.lbuvault.crypto.CiphertextException;
import dev.lbuvault.crypto.Decrypted;
import dev.lbuvault.crypto.EncCipher;
import dev.lbuvault.crypto.OpensslEnc;
import dev.lbuvault.crypto.Password;
import dev.lbuvault.crypto.WrongPasswordException;
import dev.lbuvault.fs.SkipByReading;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Checks that an apkovl is complete and safe to restore before lbuvault stores or writes it. A
 * plaintext apkovl is decompressed and every tar header parsed in one streaming pass with bounded
 * memory, so a damaged copy is caught by its gzip CRC and length and a hostile one by its member
 * names; {@code etc/apk/world} and {@code etc/fstab} are picked up on the way because a restore
 * needs them. An encrypted apkovl is decrypted on the fly with the password, when the validator has
 * one, and its plaintext checked exactly as a plaintext apkovl's; without the password (or with a
 * wrong one) only its OpenSSL envelope is checked and the summary says why. Encryption is
 * recognised by the cipher suffix of the name, as lbu and the boot loader do.
 */
public final class ApkovlValidator {
  /** Cap for the text files kept in memory; real ones are a few hundred bytes. */
  static final int MAX_TEXT_BYTES = 1 << 20;

  /**
   * The most zero padding accepted after the end marker: GNU tar's record at {@code -b 2048}, 200
   * times its default. More is not padding any tar writer produces.
   */
  static final int MAX_PADDING_BYTES = 1 << 20;

  /**
   * The start of the defect for too much padding, which is never traded for a CRC verdict: finding
   * that would mean decompressing all the zeros the bound is there to skip.
   */
  private static final String TOO_MUCH_PADDING = "more than 1 MiB of zeros";

  private static final String WORLD = "etc/apk/world";
  private static final String FSTAB = "etc/fstab";
  private static final int BUFFER_SIZE = 1 << 16;
  private static final int MAX_SHOWN_NAME = 200;
  private static final int GZIP_ID1 = 0x1f;
  private static final int GZIP_ID2 = 0x8b;
  private static final int GZIP_TRAILER_FIELD = 4;
  private static final int GZIP_DEFLATE = 8;
  private static final int GZIP_RESERVED_FLAGS = 0xe0;
  private static final int GZIP_HEADER_CHECKED = 4;
  private static final int CIPHER_BLOCK = 16;
  private static final int MIN_ENCRYPTED = 32;
  private static final byte[] SALTED = "Salted__".getBytes(StandardCharsets.US_ASCII);
  private static final Pattern ENCRYPTED_NAME = Pattern.compile(".*\\.tar\\.gz\\.([A-Za-z0-9-]+)");

  private final Optional<Password> password;

  /** A validator without a password: encrypted apkovls are checked by their envelope only. */
  public ApkovlValidator() {
    this(Optional.empty());
  }

  /** A validator that decrypts encrypted apkovls with {@code password} when it is present. */
  public ApkovlValidator(Optional<Password> password) {
    this.password = password;
  }

  /**
   * Validates one apkovl.
   *
   * @throws InvalidApkovlException if the content is damaged, unsafe or not an apkovl
   * @throws IOException only if the file itself cannot be read
   */
  public ApkovlSummary validate(Path file) throws InvalidApkovlException, IOException {
    String name = String.valueOf(file.getFileName());
    Optional<String> cipher = encryptionSuffix(name);
    try {
      return cipher.isPresent()
          ? validateEncrypted(file, name, cipher.get())
          : validatePlain(file, name);
    } catch (DefectException e) {
      throw new InvalidApkovlException(file, e.defect(), e.advice());
    }
  }

  /**
   * Validates a plaintext apkovl read from a stream, e.g. from inside a card image, where there is
   * no file to open. Encrypted apkovls need their length and are checked only by {@link
   * #validate(Path)}.
   */
  public ApkovlSummary validatePlaintext(String fileName, InputStream content)
      throws InvalidApkovlException, IOException {
    try (CountingInputStream in =
        new CountingInputStream(
            new BufferedInputStream(SourceIOException.tagging(content), BUFFER_SIZE))) {
      return readPlain(fileName, in);
    } catch (SourceIOException e) {
      throw e.unwrap();
    } catch (DefectException e) {
      throw new InvalidApkovlException(Path.of(fileName), e.defect(), e.advice());
    }
  }

  private static Optional<String> encryptionSuffix(String name) {
    // lbu's half-copied "<name>.new" is encrypted or not as <name> is.
    String finalName = name.endsWith(".new") ? name.substring(0, name.length() - 4) : name;
    Matcher m = ENCRYPTED_NAME.matcher(finalName);
    return m.matches() && !m.group(1).equals("new") ? Optional.of(m.group(1)) : Optional.empty();
  }

  private ApkovlSummary validateEncrypted(Path file, String name, String suffix)
      throws IOException {
    Optional<EncCipher> cipher = EncCipher.forName(suffix);
    if (cipher.isEmpty()) {
      return envelopeOnly(file, name, suffix, "cipher " + suffix + " is not one lbuvault decrypts");
    }
    if (password.isEmpty()) {
      return envelopeOnly(file, name, suffix, ApkovlSummary.NO_PASSWORD);
    }
    try (InputStream raw = SourceIOException.tagging(Files.newInputStream(file));
        Decrypted decrypted =
            OpensslEnc.open(raw, cipher.get(), password.get(), ApkovlValidator::gzipStart);
        CountingInputStream in =
            new CountingInputStream(
                new BufferedInputStream(
                    new CiphertextDefects(decrypted.plaintext()), BUFFER_SIZE))) {
      ApkovlSummary plain = readPlain(name, in);
      return new ApkovlSummary(
          name,
          Files.size(file),
          true,
          suffix,
          plain.entryCount(),
          plain.worldPackages(),
          plain.fstabLines(),
          decrypted.derivation().label(),
          null);
    } catch (WrongPasswordException e) {
      return envelopeOnly(file, name, suffix, ApkovlSummary.WRONG_PASSWORD);
    } catch (CiphertextException e) {
      throw new DefectException(e.getMessage(), DefectException.DAMAGED);
    } catch (SourceIOException e) {
      throw e.unwrap();
    }
  }

  /**
   * Whether the first decrypted block can be the start of lbu's gzip stream: magic, deflate, no
   * reserved flag bits. A wrong key passes this by chance once in 2^27 tries.
   */
  static boolean gzipStart(byte[] block) {
    return block.length >= GZIP_HEADER_CHECKED
        && (block[0] & 0xff) == GZIP_ID1
        && (block[1] & 0xff) == GZIP_ID2
        && block[2] == GZIP_DEFLATE
        && (block[3] & GZIP_RESERVED_FLAGS) == 0;
  }

  /** What can be checked without decrypting: openssl's header, and CBC's whole blocks. */
  private static ApkovlSummary envelopeOnly(
      Path file, String name, String suffix, String notVerified) throws IOException {
    try (SeekableByteChannel channel = Files.newByteChannel(file)) {
      long size = channel.size();
      ByteBuffer head = ByteBuffer.allocate(SALTED.length);
      while (head.hasRemaining() && channel.read(head) >= 0) {
        // read until the magic is complete or the file ends
      }
      if (size == 0) {
        throw new DefectException("empty file (0 bytes)", DefectException.DAMAGED);
      }
      if (head.position() < SALTED.length
          || !Arrays.equals(Arrays.copyOf(head.array(), head.position()), SALTED)) {
        throw new DefectException(
            "encrypted apkovl does not start with \"Salted__\" (not openssl enc -salt output)",
            DefectException.DAMAGED);
      }
      if (size < MIN_ENCRYPTED) {
        throw new DefectException(
            "encrypted apkovl too short (" + size + " bytes; a salted block needs at least 32)",
            DefectException.DAMAGED);
      }
      boolean padded = EncCipher.forName(suffix).map(c -> c.mode().padded()).orElse(false);
      if (padded && size % CIPHER_BLOCK != 0) {
        throw new DefectException(
            "encrypted apkovl length "
                + size
                + " is not a multiple of 16 bytes: the file is truncated",
            DefectException.DAMAGED);
      }
      return new ApkovlSummary(
          name, size, true, suffix, -1, List.of(), List.of(), null, notVerified);
    }
  }

  private static ApkovlSummary validatePlain(Path file, String name) throws IOException {
    try (InputStream raw = Files.newInputStream(file);
        CountingInputStream in =
            new CountingInputStream(
                new BufferedInputStream(SourceIOException.tagging(raw), BUFFER_SIZE))) {
      return readPlain(name, in);
    } catch (SourceIOException e) {
      throw e.unwrap();
    }
  }

  private static ApkovlSummary readPlain(String name, CountingInputStream in) throws IOException {
    in.mark(2);
    int id1 = in.read();
    int id2 = in.read();
    in.reset();
    if (id1 < 0) {
      throw new DefectException("empty file (0 bytes)", DefectException.DAMAGED);
    }
    if (id1 == GZIP_ID1 && id2 < 0) {
      throw new DefectException(
          "truncated: the file ends inside the gzip data at byte 1", DefectException.DAMAGED);
    }
    if (id1 != GZIP_ID1 || id2 != GZIP_ID2) {
      throw new DefectException(
          String.format("not gzip data (starts with 0x%02x)", id1), DefectException.NOT_APKOVL);
    }
    GzipLayer gzip = new GzipLayer(in);
    Position position = new Position();
    StrictTarInputStream tar = new StrictTarInputStream(gzip, position);
    Contents contents;
    try {
      contents = readTar(tar, position);
      requireOnlyZerosAfterEnd(gzip, tar.getBytesRead());
    } catch (DefectException tarDefect) {
      if (!gzip.failed() && !tarDefect.defect().startsWith(TOO_MUCH_PADDING)) {
        // Damaged deflate data usually trips the tar parser before the CRC is reached; the CRC
        // is the better diagnosis, so finish the gzip stream and prefer its verdict.
        gzip.transferTo(OutputStream.nullOutputStream());
      }
      throw tarDefect;
    }
    if (!contents.sawEtc) {
      throw new DefectException("no etc/ entry: not an apkovl", DefectException.NOT_APKOVL);
    }
    return new ApkovlSummary(
        name, in.position(), false, null, position.entries, contents.world, contents.fstab);
  }

  /** What the tar pass keeps: the rest of the archive is only checked, never held. */
  private static final class Contents {
    boolean sawEtc;
    List<String> world = List.of();
    List<String> fstab = List.of();
  }

  private static Contents readTar(StrictTarInputStream tar, Position position) throws IOException {
    Contents contents = new Contents();
    MemberTree tree = new MemberTree();
    for (TarArchiveEntry entry = next(tar, position); entry != null; entry = next(tar, position)) {
      position.advance(entry);
      String member = entry.getName();
      checkName(member, tar.nameWasAbsolute(), position);
      if (entry.isLink()) {
        checkHardLinkTarget(member, entry.getLinkName());
      }
      tree.add(entry);
      String relative = stripDotSlash(member);
      contents.sawEtc |= relative.startsWith("etc/");
      boolean regular = entry.isFile() && !entry.isLink() && !entry.isSymbolicLink();
      if (regular && relative.equals(WORLD)) {
        contents.world = words(readText(tar, entry, position));
      } else if (regular && relative.equals(FSTAB)) {
        contents.fstab = readText(tar, entry, position).lines().toList();
      }
    }
    return contents;
  }

  private static TarArchiveEntry next(StrictTarInputStream tar, Position position)
      throws IOException {
    try {
      return tar.getNextEntry();
    } catch (IOException | RuntimeException e) {
      throw translateTar(e, position);
    }
  }

  private static String readText(StrictTarInputStream tar, TarArchiveEntry entry, Position pos)
      throws IOException {
    String shown = shown(entry.getName());
    if (entry.getSize() > MAX_TEXT_BYTES) {
      throw new DefectException(
          shown + " is larger than 1 MiB (" + entry.getSize() + " bytes)",
          DefectException.NOT_APKOVL);
    }
    try {
      return new String(tar.readNBytes(MAX_TEXT_BYTES), StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      throw translateTar(e, pos);
    }
  }

  /**
   * Maps what commons-compress throws on bad tar data to a defect. Its unchecked exceptions are
   * included on purpose: a few malformed headers still surface as IllegalArgumentException or
   * ArithmeticException, and corrupt input must never end in a stack trace.
   */
  private static IOException translateTar(Exception e, Position position) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof DefectException d) {
        return d;
      }
      if (t instanceof SourceIOException s) {
        return s;
      }
    }
    String message = String.valueOf(e.getMessage());
    if (message.contains("Truncated TAR archive") || message.contains("Premature end")) {
      return new DefectException(
          "truncated: tar data ends inside entry "
              + position.entries
              + " ("
              + position.lastName
              + ", declared "
              + position.lastSize
              + " bytes)",
          DefectException.DAMAGED);
    }
    Throwable cause = e.getCause() != null ? e.getCause() : e;
    return new DefectException(
        "malformed tar header "
            + position.describePosition()
            + " ("
            + cause.getClass().getSimpleName()
            + ": "
            + printable(String.valueOf(cause.getMessage()))
            + ")",
        DefectException.DAMAGED);
  }

  private static void checkName(String member, boolean rawAbsolute, Position position)
      throws DefectException {
    if (member.isEmpty()) {
      throw new DefectException(
          "tar member with an empty name " + position.describePosition(), DefectException.DAMAGED);
    }
    if (rawAbsolute || member.startsWith("/")) {
      String raw = member.startsWith("/") ? member : "/" + member;
      throw new DefectException(
          "absolute member name " + shown(raw) + ": lbu writes relative names",
          DefectException.UNSAFE);
    }
    if (hasDotDotSegment(member)) {
      throw new DefectException(
          "member name " + shown(member) + " contains a '..' segment", DefectException.UNSAFE);
    }
  }

  private static void checkHardLinkTarget(String member, String target) throws DefectException {
    if (target.startsWith("/")) {
      throw new DefectException(
          "hard link " + shown(member) + " has an absolute target " + shown(target),
          DefectException.UNSAFE);
    }
    if (hasDotDotSegment(target)) {
      throw new DefectException(
          "hard link " + shown(member) + " has a target with a '..' segment " + shown(target),
          DefectException.UNSAFE);
    }
  }

  private static boolean hasDotDotSegment(String path) {
    for (String segment : path.split("/", -1)) {
      if (segment.equals("..")) {
        return true;
      }
    }
    return false;
  }

  private static String stripDotSlash(String member) {
    String result = member;
    while (result.startsWith("./")) {
      result = result.substring(2);
    }
    return result;
  }

  private static List<String> words(String text) {
    List<String> result = new ArrayList<>();
    for (String word : text.split("\\s+")) {
      if (!word.isEmpty()) {
        result.add(word);
      }
    }
    return result;
  }

  /**
   * Tar writers pad the archive with zeros after the end marker, up to their record size: busybox
   * and GNU tar {@code -b 1} write no padding, GNU tar's default pads to 10 KiB and {@code -b N} to
   * N * 512 bytes. Anything but zeros after the marker is not lbu's; so is more zero padding than
   * {@link #MAX_PADDING_BYTES}, which reading stops at, so that a few MiB of gzip holding GiBs of
   * zeros costs milliseconds, not a pass over every zero.
   */
  private static void requireOnlyZerosAfterEnd(InputStream gzip, long tarOffset)
      throws IOException {
    byte[] buffer = new byte[BUFFER_SIZE];
    long offset = tarOffset;
    for (int n = gzip.read(buffer); n >= 0; n = gzip.read(buffer)) {
      if (offset + n - tarOffset > MAX_PADDING_BYTES) {
        throw new DefectException(
            TOO_MUCH_PADDING
                + " after the tar end-of-archive marker at tar offset "
                + tarOffset
                + " (tar writers pad at most one record)",
            DefectException.NOT_APKOVL);
      }
      for (int i = 0; i < n; i++) {
        if (buffer[i] != 0) {
          throw new DefectException(
              "unexpected data after the tar end-of-archive marker at tar offset " + (offset + i),
              DefectException.DAMAGED);
        }
      }
      offset += n;
    }
  }

  /** Quotes a member name for a one-line message, whatever bytes the archive put into it. */
  static String shown(String name) {
    String text = printable(name);
    return "'"
        + (text.length() > MAX_SHOWN_NAME ? text.substring(0, MAX_SHOWN_NAME) + "..." : text)
        + "'";
  }

  private static String printable(String text) {
    StringBuilder sb = new StringBuilder(text.length());
    text.codePoints()
        .forEach(
            c -> {
              if (Character.isISOControl(c)) {
                sb.append(String.format("\\x%02x", c));
              } else {
                sb.append(Character.toChars(c));
              }
            });
    return sb.toString();
  }

  /** Where the tar parser is, for messages; commons-compress does not say. */
  private static final class Position implements StrictTarInputStream.EntryCounter {
    int entries;
    String lastName = "";
    long lastSize;

    void advance(TarArchiveEntry entry) {
      entries++;
      lastName = shown(entry.getName());
      lastSize = entry.getSize();
    }

    @Override
    public String describePosition() {
      return entries == 0
          ? "at the start of the archive"
          : "after entry " + entries + " (" + lastName + ")";
    }
  }

  /**
   * Reports damage the decryptor finds (bad padding, a cut last block) as a defect, which the gzip
   * and tar layers pass up unchanged.
   */
  private static final class CiphertextDefects extends FilterInputStream {
    CiphertextDefects(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      try {
        return super.read();
      } catch (CiphertextException e) {
        throw new DefectException(e.getMessage(), DefectException.DAMAGED);
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return super.read(b, off, len);
      } catch (CiphertextException e) {
        throw new DefectException(e.getMessage(), DefectException.DAMAGED);
      }
    }
  }

  /** Counts consumed bytes exactly, also across mark/reset, so offsets in messages are true. */
  private static final class CountingInputStream extends FilterInputStream {
    private long position;
    private long markedPosition;

    CountingInputStream(InputStream in) {
      super(in);
    }

    long position() {
      return position;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        position++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        position += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long skipped = super.skip(n);
      position += skipped;
      return skipped;
    }

    // Not synchronized, unlike FilterInputStream: one thread owns the whole stream stack.
    @Override
    public void mark(int readlimit) {
      super.mark(readlimit);
      markedPosition = position;
    }

    @Override
    public void reset() throws IOException {
      super.reset();
      position = markedPosition;
    }
  }

  /**
   * Decompresses all gzip members and turns the decoder's complaints into defects with file
   * offsets. Concatenated members are legal gzip (and what pigz or a resumed copy produce);
   * commons-compress verifies each member's CRC and length at its end.
   */
  private static final class GzipLayer extends FilterInputStream {
    private final CountingInputStream source;
    private long memberEnd;
    private boolean failed;

    GzipLayer(CountingInputStream source) throws IOException {
      super(null);
      this.source = source;
      try {
        in =
            GzipCompressorInputStream.builder()
                .setInputStream(source)
                .setDecompressConcatenated(true)
                .setOnMemberEnd(g -> memberEnd = source.position())
                .get();
      } catch (IOException | RuntimeException e) {
        throw translate(e);
      }
    }

    @Override
    public int read() throws IOException {
      try {
        return super.read();
      } catch (IOException | RuntimeException e) {
        throw translate(e);
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return super.read(b, off, len);
      } catch (IOException | RuntimeException e) {
        throw translate(e);
      }
    }

    @Override
    public long skip(long n) throws IOException {
      // FilterInputStream would delegate to the decoder's skip; reading keeps the CRC honest.
      return SkipByReading.skip(this, n, BUFFER_SIZE);
    }

    /** Whether the decoder has thrown; it cannot be read on after that. */
    boolean failed() {
      return failed;
    }

    private IOException translate(Exception e) {
      failed = true;
      if (e instanceof SourceIOException || e instanceof DefectException) {
        return (IOException) e;
      }
      long at = source.position();
      String message = String.valueOf(e.getMessage());
      String defect;
      if (e instanceof EOFException) {
        defect = "truncated: the file ends inside the gzip data at byte " + at;
      } else if (message.contains("CRC32")) {
        defect = "gzip data corrupt (CRC mismatch) at byte " + (at - GZIP_TRAILER_FIELD);
      } else if (message.contains("size mismatch")) {
        defect = "gzip data corrupt (length mismatch) at byte " + (at - GZIP_TRAILER_FIELD);
      } else if (message.contains("after a valid .gz stream")) {
        defect = "trailing garbage after the gzip data at byte " + memberEnd;
      } else if (message.contains("Gzip-compressed data is corrupt")) {
        defect = "gzip data corrupt (invalid deflate data) before byte " + at;
      } else {
        String reason =
            message.endsWith(".") ? message.substring(0, message.length() - 1) : message;
        defect = "gzip data corrupt (" + printable(reason) + ") before byte " + at;
      }
      return new DefectException(defect, DefectException.DAMAGED);
    }
  }
}
