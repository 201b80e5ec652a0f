package dev.lbuvault.daemon;

import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobExecutionContext;

/**
 * The Quartz job behind every backup: the cron trigger (reason "schedule") and the triggers the
 * watcher, the startup catch-up and busy retries add (their reason is in the trigger's data).
 * {@code @DisallowConcurrentExecution} makes Quartz hold a second trigger until the first run ends.
 */
@DisallowConcurrentExecution
final class BackupJob implements Job {
  static final String REASON = "reason";

  private final DaemonTasks tasks;

  BackupJob(DaemonTasks tasks) {
    this.tasks = tasks;
  }

  @Override
  public void execute(JobExecutionContext context) {
    String reason = context.getMergedJobDataMap().getString(REASON);
    tasks.backup(reason == null ? DaemonTasks.REASON_SCHEDULE : reason);
  }
}
