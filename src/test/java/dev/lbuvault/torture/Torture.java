package dev.lbuvault.torture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.json.Json;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Commands;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What the fault-injection scenarios share: trial counts (small by default so {@code mvn verify}
 * runs a quick subset; {@code -Dlbuvault.torture.full=true} or a per-scenario {@code
 * -Dlbuvault.torture.trials.KEY=N} for the full run), the machine-readable result line each
 * scenario appends to {@code target/torture/results.jsonl} for {@code scripts/torture} to render,
 * and the checks that a repository is valid after a fault.
 */
final class Torture {
  /** True for {@code scripts/torture}'s full run. */
  static final boolean FULL = Boolean.getBoolean("lbuvault.torture.full");

  private Torture() {}

  /** The trial count of one scenario: its own property, else the full or the quick default. */
  static int trials(String key, int quick, int full) {
    return Integer.getInteger("lbuvault.torture.trials." + key, FULL ? full : quick);
  }

  static Path resultsFile() {
    return Path.of(System.getProperty("user.dir"), "target", "torture", "results.jsonl");
  }

  /** Starts recording one scenario; its line is written when it is closed. */
  static Scenario scenario(String name, String backend, String checked) {
    return new Scenario(name, backend, checked);
  }

  /** Records a scenario that is not run here, with the reason. */
  static void skipped(String name, String backend, String checked, String reason)
      throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("scenario", name);
    m.put("backend", backend);
    m.put("trials", 0L);
    m.put("outcome", "skipped");
    m.put("passed", Boolean.TRUE);
    m.put("notes", reason);
    m.put("checked", checked);
    m.put("seconds", 0L);
    m.put("mode", FULL ? "full" : "quick");
    append(m);
  }

  private static synchronized void append(Map<String, Object> line) throws IOException {
    Path file = resultsFile();
    Files.createDirectories(file.getParent());
    Files.writeString(
        file,
        Json.writeCompact(line) + "\n",
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }

  /** One scenario's result line: counts trials and notes; failed unless {@link #passed()}. */
  static final class Scenario implements AutoCloseable {
    private final String name;
    private final String backend;
    private final String checked;
    private final long start = System.nanoTime();
    private final List<String> notes = new ArrayList<>();
    private int trials;
    private boolean passed;

    private Scenario(String name, String backend, String checked) {
      this.name = name;
      this.backend = backend;
      this.checked = checked;
    }

    synchronized void trial() {
      trials++;
    }

    synchronized int trials() {
      return trials;
    }

    synchronized void note(String note) {
      notes.add(note);
    }

    void passed() {
      passed = true;
    }

    @Override
    public void close() throws IOException {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("scenario", name);
      m.put("backend", backend);
      m.put("trials", (long) trials);
      m.put("outcome", passed ? "pass" : "FAIL");
      m.put("passed", passed);
      m.put("notes", String.join("; ", notes));
      m.put("checked", checked);
      m.put("seconds", (System.nanoTime() - start) / 1_000_000_000L);
      m.put("mode", FULL ? "full" : "quick");
      m.put("finished", Instant.now().toString());
      append(m);
    }
  }

  /**
   * Waits {@code delayMillis} for {@code p}, then, if it still runs, stops it with SIGSTOP (so it
   * can start nothing more), kills it with SIGKILL, and waits for the programs it had started (such
   * as {@code btrfs}) to end on their own, as they would long before the next backup.
   *
   * @return true if the kill landed before the process finished
   */
  static boolean killAfter(Process p, long delayMillis) throws Exception {
    if (p.waitFor(delayMillis, TimeUnit.MILLISECONDS)) {
      return false;
    }
    Commands.run(null, List.of("kill", "-STOP", Long.toString(p.pid())));
    List<ProcessHandle> children = p.descendants().toList();
    p.destroyForcibly();
    p.waitFor();
    for (ProcessHandle child : children) {
      child.onExit().get(2, TimeUnit.MINUTES);
    }
    return true;
  }

  /**
   * {@code n} kill delays spread evenly (one random instant in each of {@code n} equal slices) from
   * 0 to 110% of a normal run, in random order: every phase of a run gets its share of kills, and
   * about one in eleven lands after the end.
   */
  static long[] spreadDelays(int n, long runMillis, Random random) {
    List<Long> delays = new ArrayList<>();
    double span = runMillis * 1.1;
    for (int i = 0; i < n; i++) {
      delays.add((long) ((i + random.nextDouble()) * span / n));
    }
    Collections.shuffle(delays, random);
    return delays.stream().mapToLong(Long::longValue).toArray();
  }

  /** The host's published versions (names that are version ids), oldest first. */
  static List<Path> versions(Path repo, String host) throws IOException {
    Path dir = repo.resolve("hosts").resolve(host).resolve("versions");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().matches("\\d{8}T\\d{6}Z(_\\d+)?"))
          .sorted()
          .toList();
    }
  }

  /**
   * Everything under versions/ that is neither a version nor a leftover the next writer removes.
   */
  static List<String> oddEntries(Path repo, String host) throws IOException {
    Path dir = repo.resolve("hosts").resolve(host).resolve("versions");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> !n.matches("\\d{8}T\\d{6}Z(_\\d+)?"))
          .filter(n -> !n.startsWith(".partial-") && !n.startsWith(".deleting-"))
          .toList();
    }
  }

  /**
   * The repository is valid: {@code verify} passes for the given versions (all if none), {@code
   * sha256sum -c} accepts them, and {@code list} shows no leftover or unreadable version.
   */
  static void assertValid(Path repo, String when, String... ids) throws Exception {
    List<String> toVerify = new ArrayList<>(List.of(ids));
    if (toVerify.isEmpty()) {
      toVerify.add(null);
    }
    for (String id : toVerify) {
      Cli.Result verify =
          id == null
              ? Cli.run("verify", "--repo", repo.toString())
              : Cli.run("verify", "--repo", repo.toString(), id);
      assertThat(verify.exitCode()).as(when + ": verify " + id + ": " + verify).isZero();
    }
    String host = onlyHost(repo);
    List<Path> all = versions(repo, host);
    for (Path v : all) {
      if (ids.length == 0 || List.of(ids).contains(v.getFileName().toString())) {
        Commands.Output sums =
            Commands.run(v, List.of("sha256sum", "--quiet", "--strict", "-c", "SHA256SUMS"));
        assertThat(sums.exitCode()).as(when + ": sha256sum -c in " + v + ": " + sums).isZero();
      }
    }
    Cli.Result list = Cli.run("list", "--repo", repo.toString());
    assertThat(list.exitCode()).as(when + ": " + list).isZero();
    assertThat(list.out()).as(when).doesNotContain(".partial").doesNotContain("unreadable");
    assertThat(oddEntries(repo, host)).as(when + ": odd entries in versions/").isEmpty();
  }

  static String onlyHost(Path repo) throws IOException {
    try (Stream<Path> s = Files.list(repo.resolve("hosts"))) {
      List<String> hosts = s.map(p -> p.getFileName().toString()).toList();
      assertThat(hosts).hasSize(1);
      return hosts.get(0);
    }
  }

  /**
   * A CLI message meant for a user: one line starting with {@code lbuvault: }, no stack trace, no
   * fully qualified exception (the sign of a raw {@code toString}), no "internal error".
   */
  static void assertCleanMessage(String output, String when) {
    assertThat(output)
        .as(when + ": no stack trace or internal error in: " + output)
        .doesNotContain("\tat ")
        .doesNotContain("Caused by")
        .doesNotContain("internal error")
        .doesNotContainPattern("\\b(java|javax|org|dev)\\.[a-z.]+\\.[A-Z]\\w*(Exception|Error)\\b");
    List<String> messages =
        output.lines().filter(l -> l.startsWith("lbuvault: ")).map(String::strip).toList();
    assertThat(messages).as(when + ": one 'lbuvault: ' line in: " + output).hasSize(1);
  }

  /** Reads a child process's merged log. */
  static String log(Path file) throws IOException {
    return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
  }
}
