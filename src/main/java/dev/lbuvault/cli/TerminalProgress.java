package dev.lbuvault.cli;

import dev.lbuvault.recover.Progress;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Shows recover's progress on one self-rewriting stderr line: phase, percent, MB/s and ETA. Redraws
 * at most twice a second so a fast copy does not spend its time printing.
 */
final class TerminalProgress implements Progress {
  private final PrintWriter err;
  private String phase;
  private long total;
  private long started;
  private long lastDraw;

  TerminalProgress(PrintWriter err) {
    this.err = err;
  }

  @Override
  public void start(String phase, long totalBytes) {
    this.phase = phase;
    this.total = Math.max(1, totalBytes);
    this.started = System.nanoTime();
    this.lastDraw = 0;
  }

  @Override
  public void update(long done) {
    long now = System.nanoTime();
    if (now - lastDraw < 500_000_000L) {
      return;
    }
    lastDraw = now;
    double seconds = Math.max(1e-3, (now - started) / 1e9);
    double rate = done / seconds;
    long eta = rate > 0 ? (long) ((total - done) / rate) : 0;
    err.printf(
        Locale.ROOT,
        "\r%-9s %5.1f%%  %7.1f MB/s  ETA %d:%02d   ",
        phase,
        100.0 * done / total,
        rate / 1e6,
        eta / 60,
        eta % 60);
    err.flush();
  }

  @Override
  public void finish() {
    err.print("\r" + " ".repeat(50) + "\r");
    err.flush();
  }
}
