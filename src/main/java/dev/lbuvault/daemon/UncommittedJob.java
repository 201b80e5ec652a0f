package dev.lbuvault.daemon;

import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobExecutionContext;

/** The Quartz job that refreshes the uncommitted-changes metrics (every 15 min, after backups). */
@DisallowConcurrentExecution
final class UncommittedJob implements Job {
  private final UncommittedRefresh refresh;

  UncommittedJob(UncommittedRefresh refresh) {
    this.refresh = refresh;
  }

  @Override
  public void execute(JobExecutionContext context) {
    refresh.refresh();
  }
}
