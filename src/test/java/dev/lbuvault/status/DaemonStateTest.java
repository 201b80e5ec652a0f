package dev.lbuvault.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbuvault.json.JsonException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DaemonStateTest {
  private static final Instant T = Instant.parse("2026-11-25T03:00:01.234567Z");

  @Test
  void runsAreCountedAndOnlySuccessesMoveLastSuccess() {
    DaemonState s =
        DaemonState.empty()
            .withBackup(RunResult.STORED, T, Duration.ofMillis(1500))
            .withBackup(RunResult.BUSY, T.plusSeconds(60), Duration.ofMillis(500))
            .withBackup(RunResult.FAILED, T.plusSeconds(120), Duration.ofSeconds(1));
    assertThat(s.lastSuccess()).contains(Instant.parse("2026-11-25T03:00:01.234Z"));
    assertThat(s.lastAttempt()).contains(Instant.parse("2026-11-25T03:02:01.234Z"));
    assertThat(s.lastResult()).contains(RunResult.FAILED);
    assertThat(s.runs(RunResult.STORED)).isEqualTo(1);
    assertThat(s.runs(RunResult.UNCHANGED)).isZero();
    assertThat(s.durationCount()).isEqualTo(3);
    assertThat(s.durationSecondsSum()).isEqualTo(3.0);
  }

  @Test
  void verifyKeepsItsLastSuccessWhenDamageIsFound() {
    DaemonState s = DaemonState.empty().withVerify(T, 0).withVerify(T.plusSeconds(5), 3);
    assertThat(s.lastVerifySuccess()).contains(T.truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
    assertThat(s.lastVerify()).isPresent();
    assertThat(s.verifyDamagedFiles()).isEqualTo(3);
  }

  @Test
  void jsonRoundTripsExactly() throws Exception {
    DaemonState s =
        DaemonState.empty()
            .withBackup(RunResult.UNCHANGED, T, Duration.ofMillis(123))
            .withVerify(T, 0)
            .withScheduledBackup(T);
    assertThat(DaemonState.fromJson(s.toJson())).isEqualTo(s);
    assertThat(DaemonState.fromJson(DaemonState.empty().toJson())).isEqualTo(DaemonState.empty());
  }

  @Test
  void replicaRecordsRoundTripSurviveOtherUpdatesAndOlderFilesHaveNone() throws Exception {
    DaemonState s =
        DaemonState.empty()
            .withReplica("usb", new DaemonState.Replica(Optional.of(T), 4))
            .withReplica("offsite", DaemonState.Replica.never().failedOnce().failedOnce())
            .withBackup(RunResult.STORED, T.plusSeconds(60), Duration.ofSeconds(2))
            .withVerify(T, 0)
            .withScheduledBackup(T);
    assertThat(s.replica("usb"))
        .isEqualTo(
            new DaemonState.Replica(Optional.of(Instant.parse("2026-11-25T03:00:01.234Z")), 4));
    assertThat(s.replica("offsite").lastSuccess()).isEmpty();
    assertThat(s.replica("offsite").failures()).isEqualTo(2);
    assertThat(s.replica("never-configured")).isEqualTo(DaemonState.Replica.never());
    assertThat(DaemonState.fromJson(s.toJson())).isEqualTo(s);
    // a file from before replication has no "replicas" field: every target reads as never
    String old = DaemonState.empty().withVerify(T, 0).toJson();
    assertThat(old).doesNotContain("replicas");
    assertThat(DaemonState.fromJson(old).replicas()).isEmpty();
    // a file from before the failure counter has none: the count starts at 0
    String noCounter = s.toJson().replaceAll(",\\s*\"failures\":\\s*2", "");
    assertThat(noCounter).doesNotContain("\"failures\": 2");
    assertThat(DaemonState.fromJson(noCounter).replica("offsite").failures()).isZero();
    assertThatThrownBy(
            () -> DaemonState.fromJson(s.toJson().replace("\"versions\": 4", "\"versions\": -1")))
        .hasMessageContaining("versions must be >= 0");
  }

  @Test
  void damagedFilesAndImpossibleValuesAreRefused() {
    assertThatThrownBy(() -> DaemonState.fromJson("{\"formatVersion\": 1}"))
        .isInstanceOf(JsonException.class);
    assertThatThrownBy(
            () ->
                new DaemonState.Backups(
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    Map.of(RunResult.FAILED, -1L),
                    0,
                    0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theStoreWritesAPrivateFileAndSurvivesADamagedOne(@TempDir Path tmp) throws Exception {
    StateStore store = new StateStore(tmp.resolve("hosts/rpi"));
    assertThat(store.read()).isEqualTo(DaemonState.empty());
    store.update(s -> s.withBackup(RunResult.STORED, T, Duration.ZERO));
    store.update(s -> s.withBackup(RunResult.STORED, T, Duration.ZERO));
    assertThat(store.read().runs(RunResult.STORED)).isEqualTo(2);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.file())))
        .isEqualTo("rw-------");
    try (var entries = Files.list(tmp.resolve("hosts/rpi"))) {
      assertThat(entries.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder(StateStore.FILE, StateStore.LOCK_FILE);
    }
    Files.writeString(store.file(), "{ not json");
    assertThatThrownBy(store::read).hasMessageContaining("daemon-state.json is damaged");
    assertThat(store.update(s -> s.withVerify(T, 0)).runs(RunResult.STORED)).isZero();
  }
}
