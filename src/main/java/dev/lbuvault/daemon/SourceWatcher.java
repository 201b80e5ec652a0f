package dev.lbuvault.daemon;

import dev.lbuvault.status.SourceProbe;
import dev.lbuvault.status.SourceSnapshot;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices {@code lbu commit}s: an inotify watch (java.nio WatchService) on the card's root resets a
 * settle timer on every event, and once the card has been quiet for {@code settle} with no {@code
 * *.apkovl.tar.gz.new} present, the listener is told to back up. Because lbu remounts the card (or
 * mounts it itself) and a remount or a mount over the watched directory produces no events there,
 * the root is also looked at (stat only) every {@code rescan}: a change in the size or mtime of any
 * top-level entry counts as an event, and the watch is registered again when the directory became
 * another one (mounted or unmounted). The thread blocks in {@link WatchService#poll(long,
 * TimeUnit)} until the next deadline; nothing runs more often than that.
 */
final class SourceWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SourceWatcher.class);

  /** What the watcher reports. Called on the watcher's thread. */
  interface Listener {
    /** Every look at the card's root (at start, every rescan, and before a trigger). */
    void scanned(SourceSnapshot snapshot);

    /**
     * The card changed and has been quiet for the settle time.
     *
     * @param startup true for the one check at startup, before any change was seen
     */
    void settled(SourceSnapshot snapshot, boolean startup);
  }

  private final Path source;
  private final Duration settle;
  private final Duration rescan;
  private final Clock clock;
  private final Listener listener;
  private final WatchService watchService;
  private final Thread thread;
  private volatile boolean closed;

  private WatchKey key;
  private Object watchedDir;

  SourceWatcher(Path source, Duration settle, Duration rescan, Clock clock, Listener listener)
      throws IOException {
    this.source = source;
    this.settle = settle;
    this.rescan = rescan;
    this.clock = clock;
    this.listener = Objects.requireNonNull(listener, "listener");
    this.watchService = FileSystems.getDefault().newWatchService();
    this.thread = new Thread(this::loop, "lbuvault-watch");
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  private void loop() {
    try {
      register();
      SourceSnapshot last = look();
      Instant now = clock.instant();
      Instant settleAt = now.plus(settle);
      boolean startup = true;
      Instant rescanAt = now.plus(rescan);
      while (!closed) {
        Instant deadline = settleAt != null && settleAt.isBefore(rescanAt) ? settleAt : rescanAt;
        long waitMillis =
            Math.max(0, Math.min(Duration.between(now, deadline).toMillis(), rescan.toMillis()));
        WatchKey signalled = watchService.poll(waitMillis, TimeUnit.MILLISECONDS);
        now = clock.instant();
        if (signalled != null) {
          boolean any = !signalled.pollEvents().isEmpty();
          if (!signalled.reset() && signalled == key) {
            LOG.debug("watch on {} ended (unmounted?); the next rescan registers it again", source);
            key = null;
          }
          if (any) {
            settleAt = now.plus(settle);
            startup = false;
          }
        }
        if (!now.isBefore(rescanAt)) {
          SourceSnapshot snap = look();
          reregisterIfMoved();
          if (!snap.topLevel().equals(last.topLevel()) && settleAt == null) {
            LOG.debug("rescan: {} changed without an event; backing up once it is quiet", source);
            settleAt = now.plus(settle);
            startup = false;
          }
          last = snap;
          rescanAt = now.plus(rescan);
        }
        if (settleAt != null && !now.isBefore(settleAt)) {
          SourceSnapshot snap = look();
          if (snap.inProgress()) {
            settleAt = now.plus(settle);
          } else {
            settleAt = null;
            last = snap;
            if (snap.up()) {
              listener.settled(snap, startup);
            }
            startup = false;
          }
        }
      }
    } catch (ClosedWatchServiceException | InterruptedException e) {
      // closed: the daemon is stopping
    } catch (RuntimeException | IOException e) {
      LOG.error("watching {} stopped: {}; scheduled backups continue", source, e.toString());
    }
  }

  private SourceSnapshot look() {
    SourceSnapshot snap = SourceProbe.probe(source);
    listener.scanned(snap);
    return snap;
  }

  /** Registers the watch on the directory the path names now (after a mount, another one). */
  private void register() throws IOException {
    if (!Files.isDirectory(source)) {
      return;
    }
    try {
      key =
          source.register(
              watchService,
              StandardWatchEventKinds.ENTRY_CREATE,
              StandardWatchEventKinds.ENTRY_DELETE,
              StandardWatchEventKinds.ENTRY_MODIFY);
      watchedDir = identity();
    } catch (IOException e) {
      LOG.debug("cannot watch {}: {}; relying on the rescan", source, e.toString());
      key = null;
    }
  }

  private void reregisterIfMoved() throws IOException {
    Object now = identity();
    if (key != null && key.isValid() && Objects.equals(now, watchedDir)) {
      return;
    }
    if (key != null) {
      key.cancel();
      key = null;
    }
    register();
  }

  private Object identity() {
    try {
      return Files.readAttributes(source, BasicFileAttributes.class).fileKey();
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    watchService.close();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
