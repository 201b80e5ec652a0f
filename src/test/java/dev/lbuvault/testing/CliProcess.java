package dev.lbuvault.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/** Starts the real CLI as its own JVM, for tests that must kill it or run two at once. */
public final class CliProcess {
  private CliProcess() {}

  public static Process start(Path log, String... args) throws IOException {
    return start(log, List.of(), List.of(args));
  }

  /**
   * Starts the CLI with extra JVM options (e.g. {@code -Xmx64m}); a command line that starts with
   * {@code sh -c ...} wrappers can be built from {@link #command}.
   */
  public static Process start(Path log, List<String> jvmOptions, List<String> args)
      throws IOException {
    return startCommand(log, command(jvmOptions, args));
  }

  /** Starts any command (such as a {@link #command} wrapped in a shell) with the log redirects. */
  public static Process startCommand(Path log, List<String> command) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.redirectErrorStream(true);
    pb.redirectOutput(log.toFile());
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    return pb.start();
  }

  /** The java command line that runs the CLI with {@code args}. */
  public static List<String> command(List<String> jvmOptions, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xshare:auto");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.addAll(jvmOptions);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("dev.lbuvault.cli.Start");
    cmd.addAll(args);
    return cmd;
  }

  /**
   * Writes {@code dir/lbuvault}, a shell launcher of this build's CLI, as an installed one would be
   * on a far host (an sshd forced command runs it), and returns its path.
   */
  public static Path launcher(Path dir) throws IOException {
    Path script = Files.createDirectories(dir).resolve("lbuvault");
    StringBuilder sh = new StringBuilder("#!/bin/sh\nexec");
    for (String word : command(List.of(), List.of())) {
      sh.append(" '").append(word.replace("'", "'\\''")).append('\'');
    }
    Files.writeString(script, sh.append(" \"$@\"\n").toString());
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return script;
  }
}
