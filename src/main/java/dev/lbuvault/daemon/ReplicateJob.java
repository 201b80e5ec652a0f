package dev.lbuvault.daemon;

import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobExecutionContext;

/** The Quartz job of one {@code [replicate NAME]} target: its schedule and the first run. */
@DisallowConcurrentExecution
final class ReplicateJob implements Job {
  private final ReplicationTasks tasks;
  private final ReplicaSettings target;

  ReplicateJob(ReplicationTasks tasks, ReplicaSettings target) {
    this.tasks = tasks;
    this.target = target;
  }

  @Override
  public void execute(JobExecutionContext context) {
    String reason = context.getMergedJobDataMap().getString(BackupJob.REASON);
    tasks.replicate(target, reason == null ? DaemonTasks.REASON_SCHEDULE : reason);
  }
}
