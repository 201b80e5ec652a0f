package dev.lbuvault.replicate;

import dev.lbuvault.process.ProcessResult;
import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.prune.PruneOutcome;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.RepositoryException;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.repo.VersionId;
import dev.lbuvault.retention.RetentionPolicy;
import dev.lbuvault.snapshot.BtrfsBackend;
import dev.lbuvault.ssh.SshCommand;
import dev.lbuvault.ssh.SshFailure;
import java.io.IOException;
import java.nio.file.Path;
import java.time.ZoneId;
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

  /** {@code lbuvault receive}'s exit status for a refused request. */
  static final int EXIT_REFUSED = 3;

  /** {@code lbuvault receive}'s exit status for a path it cannot keep a repository at. */
  static final int EXIT_NO_PATH = 8;

  /** A shell's exit status for a command it cannot find: no lbuvault installed there. */
  static final int EXIT_NOT_FOUND = 127;

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
      Optional<RemoteTargetException> known =
          failure(r, dryRun ? "list its versions" : "prepare it", false);
      if (known.isPresent()) {
        throw known.get();
      }
      throw new IOException(url + ": " + r.describeFailure());
    }
    ReplicaListing listing;
    try {
      listing = ReplicaListing.parse(r.stdout(), url);
    } catch (IOException notReceive) {
      throw new RemoteTargetException(RemoteTargetException.Kind.NO_PATH, notReceive.getMessage());
    }
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
   * Applies {@code keep} (periods in {@code zone}) to {@code host}'s versions there by {@link
   * ReplicaRetention}'s rule, keeping {@code parent}, the newest version both sides hold. The far
   * side decides and removes under its own writer lock, and refuses (exit 7 here) unless its key
   * was given {@code --allow-prune}.
   */
  PruneOutcome prune(String host, Optional<VersionId> parent, RetentionPolicy keep, ZoneId zone)
      throws IOException {
    ReceiveRequest request =
        ReceiveRequest.prune(path, host, new ReceiveRequest.Prune(parent, zone, keep));
    ProcessResult r = runner.run(ssh.apply(request.commandLine()));
    if (!r.succeeded()) {
      Optional<RemoteTargetException> known =
          failure(r, "prune the versions of host " + host, true);
      if (known.isPresent()) {
        throw known.get();
      }
      throw new IOException(url + ": " + r.describeFailure());
    }
    return PruneAnswer.parse(r.stdout(), url);
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

  /**
   * The failure of one request that ends the run, with the exit code it deserves: ssh's own
   * failures (exit 255, told apart as the ssh pull tells them, {@link SshFailure}), the far side's
   * refusal (receive's exit 3), a path it cannot use (receive's exit 8) and a far side without
   * lbuvault (the shell's 127). Empty for any other failure (a garbled receive, a full disk there),
   * which the far side's own message describes.
   *
   * @param doing what the request was for, as in "cannot reach URL over ssh to {@code doing}"
   * @param transferring whether a stream was under way (a lost connection then broke it off)
   */
  private Optional<RemoteTargetException> failure(
      ProcessResult r, String doing, boolean transferring) {
    String far = SshFailure.lastLine(r.stderr()).replaceFirst("^lbuvault: ", "");
    RemoteTargetException e =
        switch (r.exitCode()) {
          case SshCommand.SSH_FAILURE -> sshFailure(r.stderr(), doing, transferring);
          case EXIT_REFUSED ->
              new RemoteTargetException(
                  RemoteTargetException.Kind.REFUSED,
                  "the far side's lbuvault receive at "
                      + url
                      + " refused to "
                      + doing
                      + " (exited 3: "
                      + far
                      + ")"
                      + "; its authorized_keys line does not allow this (docs/offsite.md)");
          case EXIT_NO_PATH ->
              new RemoteTargetException(RemoteTargetException.Kind.NO_PATH, url + ": " + far);
          case EXIT_NOT_FOUND ->
              new RemoteTargetException(
                  RemoteTargetException.Kind.NO_PATH,
                  "no lbuvault receive answers at "
                      + url
                      + " ("
                      + far
                      + "): install lbuvault there and name it in the key's"
                      + " command=\"... receive --restrict-path DIR\" (docs/offsite.md)");
          default -> null;
        };
    return Optional.ofNullable(e);
  }

  private RemoteTargetException sshFailure(String stderr, String doing, boolean transferring) {
    String line = SshFailure.lastLine(stderr);
    return switch (SshFailure.of(stderr)) {
      case LOGIN_REFUSED ->
          new RemoteTargetException(
              RemoteTargetException.Kind.REFUSED,
              "ssh login to "
                  + url
                  + " refused ("
                  + line
                  + ") to "
                  + doing
                  + ": check the key (--ssh-identity) and that host's authorized_keys");
      case HOST_KEY ->
          new RemoteTargetException(
              RemoteTargetException.Kind.REFUSED,
              "the host key of "
                  + url
                  + " is not in known_hosts or has changed ("
                  + line
                  + "): check it and add it (ssh once by hand, or --ssh-option"
                  + " UserKnownHostsFile=FILE)");
      case CONNECTION ->
          transferring
              ? new RemoteTargetException(
                  RemoteTargetException.Kind.TRANSFER,
                  "the ssh connection to "
                      + url
                      + " broke off trying to "
                      + doing
                      + " ("
                      + line
                      + "); the far side deletes the partial copy on the next run: run replicate"
                      + " again")
              : new RemoteTargetException(
                  RemoteTargetException.Kind.UNREACHABLE,
                  "cannot reach "
                      + url
                      + " over ssh to "
                      + doing
                      + " ("
                      + line
                      + "); nothing was sent, retry when the host is up");
    };
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
      } catch (BtrfsTransfer.FarSideFailed e) {
        // ssh's own failure or a refusal ends the run: every later version would fail alike.
        Optional<RemoteTargetException> fatal =
            failure(e.result(), "send version " + t.id() + " of host " + t.host(), true);
        if (fatal.isPresent()) {
          throw fatal.get();
        }
        return Optional.of(notReplicated(t, e));
      } catch (IOException e) {
        return Optional.of(notReplicated(t, e));
      }
    }

    private String notReplicated(Transfer t, IOException e) {
      return "version "
          + t.id()
          + " of host "
          + t.host()
          + " was not replicated to "
          + url
          + ": "
          + e.getMessage();
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
