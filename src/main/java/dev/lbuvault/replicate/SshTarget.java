package dev.lbuvault.replicate;

import dev.lbuvault.process.ProcessResult;
import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.RepositoryException;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.repo.VersionId;
import dev.lbuvault.snapshot.BtrfsBackend;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * A btrfs repository on another machine, reached with OpenSSH: every request is one {@code ssh}
 * running {@code lbuvault receive} there (in practice the forced command of a restricted key), and
 * a version crosses as {@code btrfs send [-p PARENT] [| zstd] | ssh ... store}, so the bytes flow
 * through kernel pipes and never through this JVM. The far side checks each received subvolume as
 * the local path does ({@link MarkedReceive}); here versions pair by the received UUIDs it lists.
 */
public final class SshTarget {
  /** Whether the stream is compressed with zstd on the wire. */
  public enum Compression {
    /** zstd when both ends have it on their PATH, else none. */
    AUTO,
    /** zstd, and a failure naming the end that lacks it. */
    ZSTD,
    /** never. */
    NONE
  }

  private final String url;
  private final String path;
  private final Function<String, List<String>> ssh;
  private final ProcessRunner runner;
  private final Compression compression;
  private final Map<String, ReplicaListing> listings = new HashMap<>();

  /**
   * @param url the target as the user wrote it, for messages
   * @param path the repository's path on the far side
   * @param ssh the {@code ssh ... HOST COMMAND} command line that runs {@code COMMAND} there
   * @throws IllegalArgumentException when {@code path} is not one the far side accepts
   */
  public SshTarget(
      String url,
      String path,
      Function<String, List<String>> ssh,
      ProcessRunner runner,
      Compression compression) {
    this.url = Objects.requireNonNull(url, "url");
    this.path = ReceiveRequest.checkPath(path);
    this.ssh = Objects.requireNonNull(ssh, "ssh");
    this.runner = Objects.requireNonNull(runner, "runner");
    this.compression = Objects.requireNonNull(compression, "compression");
  }

  /** The target as messages name it: its {@code ssh://} URL. */
  public String name() {
    return url;
  }

  /**
   * The ids of {@code host}'s versions there, after the far side removed what a killed run left (a
   * dry run only lists, and a missing repository is empty). The far side takes its repository's
   * writer lock for each request, so nothing is held here between requests.
   */
  List<VersionId> versions(String host, boolean dryRun) throws IOException {
    ReceiveRequest.Operation op =
        dryRun ? ReceiveRequest.Operation.LIST : ReceiveRequest.Operation.PREPARE;
    ReceiveRequest request =
        new ReceiveRequest(op, path, host, Optional.empty(), Optional.empty(), false);
    ProcessResult r = runner.run(ssh.apply(request.commandLine()));
    if (!r.succeeded()) {
      throw new IOException(url + ": " + r.describeFailure());
    }
    ReplicaListing listing = ReplicaListing.parse(r.stdout(), url);
    if (!"btrfs".equals(listing.backend()) && !(dryRun && "none".equals(listing.backend()))) {
      throw new IOException(
          url
              + " holds a "
              + listing.backend()
              + "-backend repository; over ssh only btrfs repositories receive versions");
    }
    listings.put(host, listing);
    return List.copyOf(listing.receivedUuids().keySet());
  }

  /**
   * How versions of {@code source} cross to this target.
   *
   * @throws RepositoryException when {@code source} is not a btrfs repository: it has no snapshots
   *     to send
   */
  VersionTransport transportFrom(Repository source) throws RepositoryException {
    if (!(source.backend() instanceof BtrfsBackend)) {
      throw new RepositoryException(
          source.root()
              + " uses the "
              + source.backend().name()
              + " backend, and over ssh lbuvault sends only btrfs snapshots; replicate it to a"
              + " mounted disk instead (--to DIR), or copy that directory with rsync -aH");
    }
    return new Sending(source, new BtrfsTransfer(runner));
  }

  /** btrfs send | ssh receive, one version at a time. */
  private final class Sending implements VersionTransport {
    private final Repository source;
    private final BtrfsTransfer btrfs;

    Sending(Repository source, BtrfsTransfer btrfs) {
      this.source = source;
      this.btrfs = btrfs;
    }

    @Override
    public boolean holds(StoredVersion v, VersionId there) throws IOException {
      ReplicaListing l = listings.get(v.host());
      Optional<String> received = l == null ? Optional.empty() : l.receivedUuids().get(there);
      return received != null && received.filter(btrfs.show(v.dir()).uuid()::equals).isPresent();
    }

    @Override
    public String clashReason() {
      return "was not received from " + source.root();
    }

    @Override
    public Optional<String> send(StoredVersion v, Transfer t) throws IOException {
      String uuid = btrfs.show(v.dir()).uuid();
      Optional<Path> parent = t.parent().map(p -> source.host(t.host()).version(p));
      try {
        boolean zstd = useZstd(t.host());
        ReceiveRequest store =
            new ReceiveRequest(
                ReceiveRequest.Operation.STORE,
                path,
                t.host(),
                Optional.of(t.id()),
                Optional.of(uuid),
                zstd);
        btrfs.sendTo(v.dir(), parent, zstd, ssh.apply(store.commandLine()));
        return Optional.empty();
      } catch (IOException e) {
        return Optional.of(
            "version "
                + t.id()
                + " of host "
                + t.host()
                + " was not replicated to "
                + url
                + ": "
                + e.getMessage());
      }
    }

    private boolean useZstd(String host) throws IOException {
      if (compression == Compression.NONE) {
        return false;
      }
      boolean here = Zstd.onPath();
      ReplicaListing l = listings.get(host);
      boolean there = l != null && l.zstd();
      if (compression == Compression.ZSTD && !(here && there)) {
        throw new IOException(
            "--compress zstd, but zstd is not installed "
                + (here ? "on the far side" : "here")
                + " (not on PATH); install it or use --compress auto");
      }
      return here && there;
    }
  }
}
