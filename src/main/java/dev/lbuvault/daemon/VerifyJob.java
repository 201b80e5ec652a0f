package dev.lbuvault.daemon;

import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobExecutionContext;

/** The Quartz job behind the verify schedule (and the one verify after the first start). */
@DisallowConcurrentExecution
final class VerifyJob implements Job {
  private final DaemonTasks tasks;

  VerifyJob(DaemonTasks tasks) {
    this.tasks = tasks;
  }

  @Override
  public void execute(JobExecutionContext context) {
    String reason = context.getMergedJobDataMap().getString(BackupJob.REASON);
    tasks.verify(reason == null ? DaemonTasks.REASON_SCHEDULE : reason);
  }
}
