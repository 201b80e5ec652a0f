package dev.lbuvault.process;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Starts real processes; output is captured in memory, so use it for tools that print little. */
final class SystemProcessRunner implements ProcessRunner {
  @Override
  public ProcessResult run(List<String> command) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p = pb.start();
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()));
    String out = drain(p.getInputStream());
    try {
      int code = p.waitFor();
      return new ProcessResult(command, code, out, err.join());
    } catch (InterruptedException e) {
      p.destroy();
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while running " + String.join(" ", command));
    }
  }

  @Override
  public List<ProcessResult> pipe(List<String> producer, List<String> consumer) throws IOException {
    ProcessBuilder first = new ProcessBuilder(producer);
    first.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    List<Process> ps = ProcessBuilder.startPipeline(List.of(first, new ProcessBuilder(consumer)));
    Process a = ps.get(0);
    Process b = ps.get(1);
    CompletableFuture<String> errA = CompletableFuture.supplyAsync(() -> drain(a.getErrorStream()));
    CompletableFuture<String> errB = CompletableFuture.supplyAsync(() -> drain(b.getErrorStream()));
    String out = drain(b.getInputStream());
    try {
      int codeB = b.waitFor();
      int codeA = a.waitFor();
      return List.of(
          new ProcessResult(producer, codeA, "", errA.join()),
          new ProcessResult(consumer, codeB, out, errB.join()));
    } catch (InterruptedException e) {
      a.destroy();
      b.destroy();
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while running " + String.join(" ", producer));
    }
  }

  private static String drain(InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
