package dev.lbuvault.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.status.StateStore;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.TimeZone;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The startup catch-up decision, with an injected clock instead of waiting for 3 a.m. */
class MissedScheduleTest {
  private static final ZoneId ZONE = ZoneOffset.UTC;

  private DaemonTasks tasks(Path tmp, Instant now) throws Exception {
    Path card = Cards.make(tmp.resolve("card"));
    Path repo = tmp.resolve("repo");
    Cli.run("init", "--repo", repo.toString(), "--backend", "plain");
    Cli.run("backup", "--repo", repo.toString(), "--source", card.toString());
    DaemonSettings s =
        DaemonSettings.parse(Map.of("repo", repo.toString(), "source", card.toString()));
    DaemonTasks t =
        new DaemonTasks(
            s,
            s.sources().get(0),
            new WorkGate(),
            Repository.open(repo, ProcessRunner.system()),
            Clock.fixed(now, ZONE),
            st -> {},
            null,
            null);
    t.initialize();
    return t;
  }

  private static org.quartz.CronExpression nightly() {
    return DaemonSettings.cron("0 0 3 * * ?", TimeZone.getTimeZone(ZONE));
  }

  @Test
  void theFirstStartOnlyRecordsTheReference(@TempDir Path tmp) throws Exception {
    Instant now = Instant.parse("2026-11-25T10:00:00Z");
    DaemonTasks t = tasks(tmp, now);
    assertThat(t.missedSchedule(nightly())).isEmpty();
    assertThat(t.state().lastScheduledBackup()).contains(now);
    Repository repo = Repository.open(tmp.resolve("repo"), ProcessRunner.system());
    assertThat(StateStore.of(repo, "rpi").read().lastScheduledBackup()).contains(now);
  }

  @Test
  void aFireTimeBetweenTheLastHandledOneAndNowWasMissed(@TempDir Path tmp) throws Exception {
    Path repo = tmp.resolve("repo");
    DaemonTasks off = tasks(tmp, Instant.parse("2026-11-25T03:00:00.100Z"));
    off.missedSchedule(nightly()); // reference: just after the 25th's 03:00 run
    Repository r = Repository.open(repo, ProcessRunner.system());
    StateStore.of(r, "rpi")
        .update(s -> s.withScheduledBackup(Instant.parse("2026-11-25T03:00:00.100Z")));

    DaemonTasks sameDay =
        tasks(
            DaemonSettings.parse(
                Map.of("repo", repo.toString(), "source", tmp.resolve("card").toString())),
            r,
            Clock.fixed(Instant.parse("2026-11-26T02:59:00Z"), ZONE));
    sameDay.initialize();
    assertThat(sameDay.missedSchedule(nightly())).isEmpty();

    DaemonTasks nextMorning =
        tasks(
            DaemonSettings.parse(
                Map.of("repo", repo.toString(), "source", tmp.resolve("card").toString())),
            r,
            Clock.fixed(Instant.parse("2026-11-26T09:30:00Z"), ZONE));
    nextMorning.initialize();
    assertThat(nextMorning.missedSchedule(nightly()))
        .contains(Instant.parse("2026-11-26T03:00:00Z"));
  }

  private static DaemonTasks tasks(DaemonSettings s, Repository r, Clock clock) {
    return new DaemonTasks(s, s.sources().get(0), new WorkGate(), r, clock, st -> {}, null, null);
  }
}
