package dev.lbuvault.repo;

import dev.lbuvault.fs.SecureFiles;
import dev.lbuvault.json.Json;
import dev.lbuvault.json.JsonException;
import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.snapshot.BtrfsBackend;
import dev.lbuvault.snapshot.PlainBackend;
import dev.lbuvault.snapshot.SnapshotBackend;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An lbuvault repository on disk: the marker file, the writer lock, and one area per host with its
 * working mirror and published versions. Opening one checks the marker; everything else about the
 * on-disk layout is in {@code docs/repository-format.md}.
 */
public final class Repository {
  public static final String MARKER_FILE = "lbuvault.json";
  public static final String LOCK_FILE = "lock";
  public static final String HOSTS_DIR = "hosts";

  private final Path root;
  private final RepositoryMarker marker;
  private final SnapshotBackend backend;

  private Repository(Path root, RepositoryMarker marker, SnapshotBackend backend) {
    this.root = root;
    this.marker = marker;
    this.backend = backend;
  }

  /** The backend a new repository at {@code dir} gets when none is asked for. */
  public static String detectBackend(Path dir) throws IOException {
    Path existing = dir.toAbsolutePath();
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      return "plain";
    }
    return "btrfs".equals(Files.getFileStore(existing).type()) ? "btrfs" : "plain";
  }

  /**
   * Creates a repository at {@code root} (an empty or missing directory).
   *
   * @param backendName {@code btrfs}, {@code plain} or {@code null} to detect it from the
   *     filesystem
   */
  public static Repository init(Path root, String backendName, Clock clock, ProcessRunner runner)
      throws IOException, RepositoryException {
    Path abs = root.toAbsolutePath().normalize();
    if (Files.exists(abs.resolve(MARKER_FILE))) {
      throw new RepositoryException(
          abs
              + " is already an lbuvault repository; nothing to do (use it with --repo "
              + abs
              + ")");
    }
    if (Files.isDirectory(abs)) {
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(abs)) {
        if (entries.iterator().hasNext()) {
          throw new RepositoryException(
              "cannot create a repository in "
                  + abs
                  + ": the directory is not empty; choose an empty or new directory");
        }
      }
    } else if (Files.exists(abs)) {
      throw new RepositoryException("cannot create a repository at " + abs + ": not a directory");
    }
    String detected = detectBackend(abs);
    String backendToUse = backendName == null ? detected : backendName;
    if ("btrfs".equals(backendToUse) && !"btrfs".equals(detected)) {
      throw new RepositoryException(
          "cannot use the btrfs backend at " + abs + ": it is not on a btrfs filesystem");
    }
    SecureFiles.createPrivateDirectories(abs);
    SecureFiles.createPrivateDirectories(abs.resolve(HOSTS_DIR));
    RepositoryMarker marker =
        new RepositoryMarker(RepositoryMarker.CURRENT_FORMAT, backendToUse, clock.instant());
    // The marker goes last: a directory without it is not yet a repository.
    SecureFiles.writeAtomically(abs.resolve(MARKER_FILE), marker.toJson(), SecureFiles.FILE_MODE);
    return new Repository(abs, marker, backendFor(backendToUse, runner));
  }

  /** Opens an existing repository, checking its marker. */
  public static Repository open(Path root, ProcessRunner runner)
      throws IOException, RepositoryException {
    Path abs = root.toAbsolutePath().normalize();
    Path markerFile = abs.resolve(MARKER_FILE);
    String text;
    try {
      text = Json.readFile(markerFile);
    } catch (NoSuchFileException e) {
      throw new RepositoryException(
          abs
              + " is not an lbuvault repository (no "
              + MARKER_FILE
              + "); create one with: lbuvault init --repo "
              + abs);
    }
    RepositoryMarker marker;
    try {
      marker = RepositoryMarker.fromJson(text);
    } catch (JsonException e) {
      throw new RepositoryException(markerFile + " is damaged: " + e.getMessage(), e);
    }
    if (marker.formatVersion() > RepositoryMarker.CURRENT_FORMAT) {
      throw new RepositoryException(
          abs
              + " uses repository format "
              + marker.formatVersion()
              + " but this lbuvault reads format "
              + RepositoryMarker.CURRENT_FORMAT
              + "; upgrade lbuvault");
    }
    return new Repository(abs, marker, backendFor(marker.backend(), runner));
  }

  private static SnapshotBackend backendFor(String name, ProcessRunner runner) {
    return "btrfs".equals(name) ? new BtrfsBackend(runner) : new PlainBackend();
  }

  public Path root() {
    return root;
  }

  public RepositoryMarker marker() {
    return marker;
  }

  public SnapshotBackend backend() {
    return backend;
  }

  /** Takes the writer lock; see {@link RepositoryLock}. */
  public RepositoryLock lock(Duration wait, Clock clock, String command)
      throws IOException, RepositoryException {
    return RepositoryLock.acquire(root.resolve(LOCK_FILE), wait, clock, command);
  }

  public HostArea host(String host) {
    return new HostArea(host, root.resolve(HOSTS_DIR).resolve(HostNames.requireValid(host)));
  }

  /** Hosts that have an area in the repository, sorted by name. */
  public List<String> hosts() throws IOException {
    List<String> hosts = new ArrayList<>();
    Path dir = root.resolve(HOSTS_DIR);
    if (!Files.isDirectory(dir)) {
      return hosts;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        String name = p.getFileName().toString();
        if (HostNames.isValid(name) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          hosts.add(name);
        }
      }
    }
    hosts.sort(null);
    return hosts;
  }

  /**
   * The host a read-only command works on: the one named, or the only host in the repository.
   *
   * @throws RepositoryException when the named host is unknown or several hosts make it ambiguous
   */
  public String resolveHost(Optional<String> requested) throws IOException, RepositoryException {
    List<String> hosts = hosts();
    if (requested.isPresent()) {
      String h = requested.get();
      if (!hosts.contains(h)) {
        throw new RepositoryException(
            "no host \"" + h + "\" in repository " + root + " (hosts: " + describe(hosts) + ")");
      }
      return h;
    }
    if (hosts.size() == 1) {
      return hosts.get(0);
    }
    if (hosts.isEmpty()) {
      throw new RepositoryException(
          "repository " + root + " holds no backups yet; run lbuvault backup first");
    }
    throw new RepositoryException(
        "repository "
            + root
            + " holds several hosts ("
            + describe(hosts)
            + "); choose one with --host");
  }

  private static String describe(List<String> hosts) {
    return hosts.isEmpty() ? "none" : String.join(", ", hosts);
  }

  /** The host's published versions, oldest first. Temporary entries are not versions. */
  public List<StoredVersion> versions(String host) throws IOException {
    HostArea area = host(host);
    List<StoredVersion> versions = new ArrayList<>();
    if (!Files.isDirectory(area.versions())) {
      return versions;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(area.versions())) {
      for (Path p : entries) {
        String name = p.getFileName().toString();
        if (VersionId.isValid(name)
            && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
            && !Files.exists(area.receiving(new VersionId(name)), LinkOption.NOFOLLOW_LINKS)) {
          versions.add(new StoredVersion(host, new VersionId(name), p));
        }
      }
    }
    versions.sort(java.util.Comparator.comparing(StoredVersion::id));
    return versions;
  }

  /** The newest version of a host, if it has any. */
  public Optional<StoredVersion> newest(String host) throws IOException {
    List<StoredVersion> all = versions(host);
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }

  /**
   * Finds a version by id, or the newest for {@code latest}.
   *
   * @throws RepositoryException naming the host and the versions it does have
   */
  public StoredVersion version(String host, String idOrLatest)
      throws IOException, RepositoryException {
    List<StoredVersion> all = versions(host);
    if (all.isEmpty()) {
      throw new RepositoryException("host " + host + " has no versions in " + root);
    }
    if ("latest".equals(idOrLatest)) {
      StoredVersion newest = all.get(all.size() - 1);
      Optional<VersionId> recorded = recordedIdIfRenamed(newest);
      if (recorded.isPresent()) {
        throw new RepositoryException(
            "the newest version directory "
                + newest.dir()
                + " holds version "
                + recorded.get()
                + " (its version.json says so): it was renamed by hand, so \"latest\" is"
                + " ambiguous; rename it back to "
                + recorded.get()
                + " or name a version (see lbuvault list)");
      }
      return newest;
    }
    for (StoredVersion v : all) {
      if (v.id().value().equals(idOrLatest)) {
        return v;
      }
    }
    throw new RepositoryException(
        "no version \""
            + idOrLatest
            + "\" for host "
            + host
            + " (newest is "
            + all.get(all.size() - 1).id()
            + "; see lbuvault list)");
  }

  /**
   * The id {@code version.json} records when it differs from the directory's name: a version
   * renamed by hand, whose name would otherwise make it sort (and be taken for "latest") as the
   * version it is not. Empty when they agree or the file is unreadable (verify reports that).
   */
  public static Optional<VersionId> recordedIdIfRenamed(StoredVersion version) {
    try {
      VersionId recorded = VersionMetadata.read(version.metadata()).id();
      return recorded.equals(version.id()) ? Optional.empty() : Optional.of(recorded);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * Removes what an interrupted writer left behind: half-built and half-deleted versions. Callers
   * hold the writer lock.
   */
  public List<Path> removeLeftovers(String host) throws IOException {
    HostArea area = host(host);
    List<Path> removed = new ArrayList<>();
    if (!Files.isDirectory(area.versions())) {
      return removed;
    }
    List<Path> leftovers = new ArrayList<>();
    List<Path> receiving = new ArrayList<>();
    List<Path> temps = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(area.versions())) {
      for (Path p : entries) {
        String name = p.getFileName().toString();
        if (name.startsWith(".partial-") || name.startsWith(".deleting-")) {
          leftovers.add(p);
        } else if (SecureFiles.isAtomicWriteTemp(name)) {
          temps.add(p); // a .receiving- marker whose write was interrupted: it never hid anything
        } else if (name.startsWith(HostArea.RECEIVING_PREFIX)) {
          receiving.add(p);
        }
      }
    }
    for (Path p : leftovers) {
      backend.delete(p);
      removed.add(p);
    }
    for (Path p : temps) {
      Files.deleteIfExists(p);
      removed.add(p);
    }
    for (Path marker : receiving) {
      // The version first, then its marker: a crash in between leaves the marker to try again.
      String id = marker.getFileName().toString().substring(HostArea.RECEIVING_PREFIX.length());
      Path version = area.versions().resolve(id);
      backend.delete(version);
      Files.deleteIfExists(marker);
      SecureFiles.fsyncDirectory(area.versions());
      removed.add(version);
    }
    return removed;
  }

  /**
   * Deletes a version: it is first renamed to a temporary name, so it disappears from listings in
   * one step even if the deletion itself is interrupted.
   */
  public void deleteVersion(StoredVersion version) throws IOException {
    HostArea area = host(version.host());
    Path doomed = area.deleting(version.id());
    SecureFiles.moveAtomically(version.dir(), doomed);
    SecureFiles.fsyncDirectory(area.versions());
    backend.delete(doomed);
  }
}
