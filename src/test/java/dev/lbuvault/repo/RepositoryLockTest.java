package dev.lbuvault.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbuvault.process.ProcessRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RepositoryLockTest {
  @Test
  void aSecondWriterWaitsForTheFirstWithinLockWait(@TempDir Path dir) throws Exception {
    Repository repo =
        Repository.init(dir.resolve("r"), "plain", Clock.systemUTC(), ProcessRunner.system());
    CountDownLatch held = new CountDownLatch(1);
    CompletableFuture<Void> first =
        CompletableFuture.runAsync(
            () -> {
              try (RepositoryLock ignored = repo.lock(Duration.ZERO, Clock.systemUTC(), "backup")) {
                held.countDown();
                Thread.sleep(700);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
    assertThatThrownBy(() -> repo.lock(Duration.ZERO, Clock.systemUTC(), "prune"))
        .isInstanceOf(RepositoryException.class)
        .hasMessageContaining("is locked by another lbuvault (pid " + ProcessHandle.current().pid())
        .hasMessageContaining("command backup");
    long start = System.nanoTime();
    try (RepositoryLock ignored = repo.lock(Duration.ofSeconds(20), Clock.systemUTC(), "prune")) {
      assertThat(Files.readString(repo.root().resolve("lock"))).contains("command prune");
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
    first.get(10, TimeUnit.SECONDS);
  }
}
