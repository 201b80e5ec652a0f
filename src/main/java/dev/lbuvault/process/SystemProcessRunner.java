package dev.lbuvault.process;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
  public Process start(List<String> command) throws IOException {
    return new ProcessBuilder(command).start();
  }

  @Override
  public List<ProcessResult> pipeline(List<List<String>> commands, Input input) throws IOException {
    if (commands.isEmpty()) {
      throw new IllegalArgumentException("a pipeline needs a command");
    }
    List<ProcessBuilder> builders = new ArrayList<>();
    for (List<String> c : commands) {
      builders.add(new ProcessBuilder(c));
    }
    builders
        .get(0)
        .redirectInput(
            input == Input.INHERIT
                ? ProcessBuilder.Redirect.INHERIT
                : ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    List<Process> ps = ProcessBuilder.startPipeline(builders);
    List<CompletableFuture<String>> errs = new ArrayList<>();
    for (Process p : ps) {
      errs.add(CompletableFuture.supplyAsync(() -> drain(p.getErrorStream())));
    }
    Process last = ps.get(ps.size() - 1);
    String out = drain(last.getInputStream());
    try {
      List<ProcessResult> results = new ArrayList<>();
      for (int i = 0; i < ps.size(); i++) {
        int code = ps.get(i).waitFor();
        results.add(
            new ProcessResult(
                commands.get(i), code, i == ps.size() - 1 ? out : "", errs.get(i).join()));
      }
      return results;
    } catch (InterruptedException e) {
      ps.forEach(Process::destroy);
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(
          "interrupted while running " + String.join(" ", commands.get(0)));
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
