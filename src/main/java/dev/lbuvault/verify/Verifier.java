package dev.lbuvault.verify;

import dev.lbuvault.fs.Sha256;
import dev.lbuvault.fs.TreeWalker;
import dev.lbuvault.json.JsonException;
import dev.lbuvault.repo.ChecksumManifest;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.repo.VersionMetadata;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Re-reads versions and checks every file against {@code SHA256SUMS}, the list itself against the
 * checksum in {@code version.json}, and the directory against the list (missing and extra files).
 * Files are hashed on a small pool of threads; a file that several versions share by hard link
 * (same device and inode) is read once per run, since it is one file on disk.
 */
public final class Verifier {
  private static final int BUFFER_BYTES = 1 << 20;
  private static final Set<String> VERSION_ENTRIES =
      Set.of(StoredVersion.CARD_DIR, StoredVersion.SUMS_FILE, StoredVersion.METADATA_FILE);

  private final int threads;

  public Verifier(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    this.threads = threads;
  }

  /** Verifies the given versions, in order. */
  public VerifyReport verify(List<StoredVersion> versions) throws IOException {
    ExecutorService pool = Executors.newFixedThreadPool(threads, Verifier::daemonThread);
    try {
      Map<Object, Future<String>> byInode = new HashMap<>();
      List<VersionCheck> checks = new ArrayList<>();
      for (StoredVersion v : versions) {
        // prune renames a version away before deleting it, and readers take no lock: a version
        // that vanished while it was checked was deleted, not damaged, and is left out.
        VersionCheck c;
        try {
          c = check(v, pool, byInode);
        } catch (NoSuchFileException e) {
          if (Files.exists(v.dir(), LinkOption.NOFOLLOW_LINKS)) {
            throw e;
          }
          continue;
        }
        if (Files.exists(v.dir(), LinkOption.NOFOLLOW_LINKS)) {
          checks.add(c);
        }
      }
      return new VerifyReport(checks);
    } finally {
      pool.shutdownNow();
    }
  }

  private static Thread daemonThread(Runnable r) {
    Thread t = new HashingThread(r);
    t.setDaemon(true);
    return t;
  }

  /**
   * A pool thread that keeps one read buffer for all the files it hashes. Allocating a fresh 1 MiB
   * buffer per file made every file a young collection in the launcher's small heap, and with
   * several threads the buffers still in use were copied and promoted at each of them.
   */
  private static final class HashingThread extends Thread {
    private ByteBuffer buffer;

    HashingThread(Runnable r) {
      super(r, "lbuvault-verify");
    }

    ByteBuffer buffer() {
      if (buffer == null) {
        buffer = ByteBuffer.allocate(BUFFER_BYTES);
      }
      return buffer;
    }
  }

  private VersionCheck check(
      StoredVersion v, ExecutorService pool, Map<Object, Future<String>> byInode)
      throws IOException {
    String id = v.id().value();
    List<Problem> problems = new ArrayList<>();
    VersionMetadata metadata = null;
    try {
      metadata = VersionMetadata.fromJson(Files.readString(v.metadata(), StandardCharsets.UTF_8));
      if (!metadata.id().equals(v.id())) {
        problems.add(
            new Problem(
                id,
                ProblemKind.METADATA,
                StoredVersion.METADATA_FILE,
                "records id " + metadata.id() + ", but the directory is " + id));
      }
    } catch (NoSuchFileException e) {
      problems.add(
          new Problem(id, ProblemKind.MISSING, StoredVersion.METADATA_FILE, "file is gone"));
    } catch (JsonException | java.nio.charset.CharacterCodingException e) {
      problems.add(
          new Problem(
              id,
              ProblemKind.METADATA,
              StoredVersion.METADATA_FILE,
              "unreadable: " + e.getMessage()));
    }

    ChecksumManifest manifest = null;
    try {
      String sumsText = Files.readString(v.sums(), StandardCharsets.UTF_8);
      if (metadata != null && !Sha256.of(sumsText).equals(metadata.sumsSha256())) {
        problems.add(
            new Problem(
                id,
                ProblemKind.CORRUPT,
                StoredVersion.SUMS_FILE,
                "does not match the checksum recorded in version.json"));
      }
      manifest = ChecksumManifest.parse(sumsText, StoredVersion.SUMS_FILE);
    } catch (NoSuchFileException e) {
      problems.add(new Problem(id, ProblemKind.MISSING, StoredVersion.SUMS_FILE, "file is gone"));
    } catch (IOException e) {
      problems.add(
          new Problem(
              id, ProblemKind.METADATA, StoredVersion.SUMS_FILE, "unreadable: " + e.getMessage()));
    }

    problems.addAll(extraTopLevel(v));
    Map<String, String> expected = manifest == null ? Map.of() : manifest.byPath();
    Set<String> directories = new java.util.TreeSet<>();
    Map<String, Path> present = listCard(v, directories);
    problems.addAll(directoryProblems(id, metadata, directories));
    for (String path : present.keySet()) {
      if (manifest != null && !expected.containsKey(path)) {
        problems.add(new Problem(id, ProblemKind.EXTRA, path, "not listed in SHA256SUMS"));
      }
    }
    if (metadata != null && manifest != null && metadata.fileCount() != expected.size()) {
      problems.add(
          new Problem(
              id,
              ProblemKind.METADATA,
              StoredVersion.METADATA_FILE,
              "records " + metadata.fileCount() + " files, SHA256SUMS lists " + expected.size()));
    }

    Map<String, Future<String>> pending = new LinkedHashMap<>();
    long bytes = 0;
    for (Map.Entry<String, String> e : expected.entrySet()) {
      Path file = v.dir().resolve(e.getKey());
      BasicFileAttributes attrs;
      try {
        attrs = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      } catch (NoSuchFileException ex) {
        problems.add(
            new Problem(id, ProblemKind.MISSING, e.getKey(), "listed in SHA256SUMS but gone"));
        continue;
      }
      if (!attrs.isRegularFile()) {
        problems.add(new Problem(id, ProblemKind.CORRUPT, e.getKey(), "is not a regular file"));
        continue;
      }
      bytes += attrs.size();
      Object key = attrs.fileKey();
      Future<String> f =
          key == null
              ? pool.submit(() -> hashFile(file))
              : byInode.computeIfAbsent(key, k -> pool.submit(() -> hashFile(file)));
      pending.put(e.getKey(), f);
    }
    for (Map.Entry<String, Future<String>> e : pending.entrySet()) {
      String actual;
      try {
        actual = e.getValue().get();
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("verify interrupted");
      } catch (ExecutionException ex) {
        problems.add(
            new Problem(
                id,
                ProblemKind.CORRUPT,
                e.getKey(),
                "cannot be read: " + ex.getCause().getMessage()));
        continue;
      }
      String want = expected.get(e.getKey());
      if (!actual.equals(want)) {
        problems.add(
            new Problem(
                id,
                ProblemKind.CORRUPT,
                e.getKey(),
                "SHA-256 is "
                    + actual.substring(0, 16)
                    + "…, expected "
                    + want.substring(0, 16)
                    + "…"));
      }
    }
    return new VersionCheck(v.host(), id, pending.size(), bytes, problems);
  }

  private static List<Problem> extraTopLevel(StoredVersion v) throws IOException {
    List<Problem> problems = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(v.dir())) {
      for (Path p : s) {
        String name = p.getFileName().toString();
        if (!VERSION_ENTRIES.contains(name)) {
          problems.add(
              new Problem(
                  v.id().value(), ProblemKind.EXTRA, name, "not part of the version format"));
        }
      }
    }
    if (!Files.isDirectory(v.card())) {
      problems.add(
          new Problem(
              v.id().value(), ProblemKind.MISSING, StoredVersion.CARD_DIR, "directory is gone"));
    }
    return problems;
  }

  /** Every entry of the version's card/ that is not a directory, by its SHA256SUMS path. */
  private static Map<String, Path> listCard(StoredVersion v, Set<String> directories)
      throws IOException {
    Map<String, Path> files = new LinkedHashMap<>();
    if (!Files.isDirectory(v.card())) {
      return files;
    }
    for (TreeWalker.Entry e : TreeWalker.list(v.card())) {
      if (e.isDirectory()) {
        directories.add(e.path());
      } else {
        files.put(StoredVersion.CARD_DIR + "/" + e.path(), e.file());
      }
    }
    return files;
  }

  /**
   * The card's directories against those {@code version.json} records (versions that predate the
   * record have none to compare): a recorded one that is gone would not come back on recover.
   */
  private static List<Problem> directoryProblems(
      String id, VersionMetadata metadata, Set<String> present) {
    List<Problem> problems = new ArrayList<>();
    if (metadata == null || metadata.directories() == null) {
      return problems;
    }
    for (String dir : metadata.directories()) {
      if (!present.contains(dir)) {
        problems.add(
            new Problem(
                id,
                ProblemKind.MISSING,
                StoredVersion.CARD_DIR + "/" + dir,
                "directory recorded in version.json is gone"));
      }
    }
    Set<String> recorded = new java.util.HashSet<>(metadata.directories());
    for (String dir : present) {
      if (!recorded.contains(dir)) {
        problems.add(
            new Problem(
                id,
                ProblemKind.EXTRA,
                StoredVersion.CARD_DIR + "/" + dir,
                "directory not recorded in version.json"));
      }
    }
    return problems;
  }

  static String hashFile(Path file) throws IOException {
    MessageDigest digest = Sha256.newDigest();
    ByteBuffer buffer =
        Thread.currentThread() instanceof HashingThread t
            ? t.buffer()
            : ByteBuffer.allocate(BUFFER_BYTES);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      while (ch.read(buffer.clear()) >= 0) {
        digest.update(buffer.array(), 0, buffer.position());
      }
    }
    return Sha256.hex(digest);
  }
}
