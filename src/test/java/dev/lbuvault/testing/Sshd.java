package dev.lbuvault.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real OpenSSH server (Debian's {@code /usr/sbin/sshd}) for one test: it listens on 127.0.0.1 and
 * a free high port, with a throwaway host key and user key made by {@code ssh-keygen} in its own
 * private temporary directory, and reads only that directory's {@code authorized_keys} (never
 * /root/.ssh). A test authorizes keys, optionally behind a {@code command="...",restrict} prefix,
 * and gives {@link #clientOptions()} to {@code ssh}, which then verifies the host key strictly.
 * {@link #close()} kills the server and its session processes and deletes the directory.
 *
 * <p>Needs root (sshd changes to the logged-in user) and sshd, ssh, ssh-keygen: skips outside CI,
 * fails with {@code CI=true}, like every tool-dependent test.
 */
public final class Sshd implements AutoCloseable {
  private static final Path SSHD = Path.of("/usr/sbin/sshd");

  /** sshd's privilege-separation directory; Debian creates it only when the service starts. */
  private static final Path PRIVSEP_DIR = Path.of("/run/sshd");

  private static final long START_TIMEOUT_SECONDS = 20;
  private static final int PORT_ATTEMPTS = 5;

  private final Path dir;
  private final Path identity;
  private final Path knownHosts;
  private final Path authorizedKeys;
  private final Process process;
  private final int port;
  private final StringBuffer log;

  private Sshd(
      Path dir,
      Path identity,
      Path knownHosts,
      Path authorizedKeys,
      Process process,
      int port,
      StringBuffer log) {
    this.dir = dir;
    this.identity = identity;
    this.knownHosts = knownHosts;
    this.authorizedKeys = authorizedKeys;
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** Starts a server with the default configuration. */
  public static Sshd start() throws IOException {
    return start(List.of());
  }

  /**
   * Starts a server whose sshd_config also holds {@code extraConfig} lines (e.g. {@code SetEnv
   * PATH=...} for a forced command that needs a PATH of its own).
   */
  public static Sshd start(List<String> extraConfig) throws IOException {
    Tools.requireRoot();
    Tools.require("sshd");
    Tools.require("ssh");
    Path keygen = Tools.require("ssh-keygen");
    if (!Files.isDirectory(PRIVSEP_DIR)) {
      Files.createDirectories(PRIVSEP_DIR);
    }
    Path dir =
        Files.createTempDirectory(
            "lbuvault-sshd-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    try {
      Path hostKey = newKey(keygen, dir, "host_ed25519");
      Path identity = newKey(keygen, dir, "id_ed25519");
      Path authorizedKeys = Files.createFile(dir.resolve("authorized_keys"));
      IOException last = null;
      for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
        try {
          return launch(dir, hostKey, identity, authorizedKeys, freePort(), extraConfig);
        } catch (PortTakenException e) {
          last = e; // someone bound the port between our probe and sshd's bind: take another
        }
      }
      throw last;
    } catch (IOException | RuntimeException e) {
      deleteTree(dir);
      throw e;
    }
  }

  /** The port sshd listens on (on 127.0.0.1). */
  public int port() {
    return port;
  }

  /** The host to connect to. */
  public String host() {
    return "127.0.0.1";
  }

  /** The user to log in as: the one running the tests (root). */
  public String user() {
    return System.getProperty("user.name");
  }

  /** {@code ssh://user@127.0.0.1:port/path}, as lbuvault's ssh sources and targets take it. */
  public String url(String path) {
    return "ssh://" + user() + "@" + host() + ":" + port + (path.startsWith("/") ? "" : "/") + path;
  }

  /** The default user key's private key file (no passphrase). */
  public Path identity() {
    return identity;
  }

  /** A known_hosts file holding this server's host key, under {@code [127.0.0.1]:port}. */
  public Path knownHosts() {
    return knownHosts;
  }

  /** The directory holding keys and configuration; deleted by {@link #close()}. */
  public Path directory() {
    return dir;
  }

  /**
   * The {@code ssh} options that reach this server with the default key and strict host-key
   * checking, without reading the user's ~/.ssh: {@code -F /dev/null -p PORT -i KEY -o ...}.
   */
  public List<String> clientOptions() {
    return clientOptions(identity);
  }

  /** Like {@link #clientOptions()}, with another key made by {@link #newIdentity}. */
  public List<String> clientOptions(Path key) {
    return List.of(
        "-F",
        "/dev/null",
        "-p",
        Integer.toString(port),
        "-i",
        key.toString(),
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "UserKnownHostsFile=" + knownHosts,
        "-o",
        "GlobalKnownHostsFile=/dev/null");
  }

  /**
   * The {@code Name=value} options (for {@code ssh -o}, or lbuvault's {@code --ssh-option}) that
   * make ssh trust exactly this server's host key: with {@link #identity()} and {@link #url} they
   * are all a production ssh command line needs to reach it.
   */
  public List<String> sshOptions() {
    return List.of(
        "UserKnownHostsFile=" + knownHosts,
        "GlobalKnownHostsFile=/dev/null",
        "StrictHostKeyChecking=yes");
  }

  /**
   * lbuvault's own options to reach this server with {@code key}: {@code --ssh-identity KEY} and
   * one {@code --ssh-option} per {@link #sshOptions()}.
   */
  public List<String> cliOptions(Path key) {
    List<String> args = new ArrayList<>(List.of("--ssh-identity", key.toString()));
    for (String o : sshOptions()) {
      args.addAll(List.of("--ssh-option", o));
    }
    return args;
  }

  /** The full {@code ssh} command line that runs {@code remoteCommand} on this server. */
  public List<String> sshCommand(Path key, String... remoteCommand) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Tools.require("ssh").toString());
    cmd.addAll(clientOptions(key));
    cmd.add("-l");
    cmd.add(user());
    cmd.add(host());
    cmd.addAll(List.of(remoteCommand));
    return cmd;
  }

  /** Makes another user key pair in this server's directory; returns its private key file. */
  public Path newIdentity(String name) throws IOException {
    if (!name.matches("[A-Za-z0-9_-]+")) {
      throw new IllegalArgumentException("key name must be [A-Za-z0-9_-]+, got " + name);
    }
    return newKey(Tools.require("ssh-keygen"), dir, name);
  }

  /** Lets the default key log in with no restriction. */
  public void authorize() throws IOException {
    authorize(identity, "");
  }

  /**
   * Appends an authorized_keys line for {@code key}'s public half behind {@code options} (empty for
   * none), e.g. {@code command="lbuvault receive --restrict-path /srv/x",restrict}. sshd reads the
   * file at each login, so this takes effect at once.
   */
  public void authorize(Path key, String options) throws IOException {
    if (options.contains("\n")) {
      throw new IllegalArgumentException("authorized_keys options must be one line");
    }
    String publicKey = Files.readString(Path.of(key + ".pub"), StandardCharsets.US_ASCII).strip();
    String line = (options.isEmpty() ? "" : options + " ") + publicKey + "\n";
    Files.writeString(authorizedKeys, line, StandardCharsets.US_ASCII, StandardOpenOption.APPEND);
  }

  /**
   * Convenience for the restricted line of a forced command: {@code command="COMMAND",restrict}.
   */
  public void authorizeForcedCommand(Path key, String command) throws IOException {
    if (command.contains("\"")) {
      throw new IllegalArgumentException("a forced command must not contain '\"': " + command);
    }
    authorize(key, "command=\"" + command + "\",restrict");
  }

  /** What sshd has logged so far (it runs with -e): logins, refusals, forced commands. */
  public String log() {
    return log.toString();
  }

  /** Whether the server process is still running. */
  public boolean isRunning() {
    return process.isAlive();
  }

  /** Kills the server and its session processes, then deletes keys and configuration. */
  @Override
  public void close() throws IOException {
    try {
      List<ProcessHandle> children = process.descendants().toList();
      process.destroy();
      children.forEach(ProcessHandle::destroy);
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      for (ProcessHandle child : children) {
        child.onExit().get(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IOException("an sshd session process did not exit: " + e, e);
    } finally {
      deleteTree(dir);
    }
  }

  private static Sshd launch(
      Path dir,
      Path hostKey,
      Path identity,
      Path authorizedKeys,
      int port,
      List<String> extraConfig)
      throws IOException {
    List<String> config =
        new ArrayList<>(
            List.of(
                "ListenAddress 127.0.0.1:" + port,
                "HostKey " + hostKey,
                "PidFile none",
                "AuthorizedKeysFile " + authorizedKeys,
                // StrictModes would refuse keys below /tmp, which is world-writable.
                "StrictModes no",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                "UsePAM no",
                "AllowUsers " + System.getProperty("user.name"),
                "LogLevel VERBOSE"));
    config.addAll(extraConfig);
    Path configFile = dir.resolve("sshd_config");
    Files.write(configFile, config, StandardCharsets.UTF_8);
    Path knownHosts = dir.resolve("known_hosts");
    String hostPublic =
        Files.readString(Path.of(hostKey + ".pub"), StandardCharsets.US_ASCII).strip();
    Files.writeString(knownHosts, "[127.0.0.1]:" + port + " " + hostPublic + "\n");

    ProcessBuilder pb =
        new ProcessBuilder(SSHD.toString(), "-D", "-e", "-f", configFile.toString());
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process process = pb.start();
    StringBuffer log = new StringBuffer();
    CountDownLatch listening = new CountDownLatch(1);
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  log.append(line).append('\n');
                  if (line.startsWith("Server listening on")) {
                    listening.countDown();
                  }
                }
              } catch (IOException e) {
                log.append("(log reader: ").append(e).append(")\n");
              } finally {
                listening.countDown(); // the process ended: stop waiting
              }
            },
            "sshd-log-" + port);
    reader.setDaemon(true);
    reader.start();
    try {
      if (!listening.await(START_TIMEOUT_SECONDS, TimeUnit.SECONDS) || !process.isAlive()) {
        process.destroyForcibly();
        String text = log.toString();
        if (text.contains("Address already in use")) {
          throw new PortTakenException(port);
        }
        throw new IOException("sshd did not start on port " + port + ":\n" + text);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while starting sshd", e);
    }
    return new Sshd(dir, identity, knownHosts, authorizedKeys, process, port, log);
  }

  private static Path newKey(Path keygen, Path dir, String name) throws IOException {
    Path key = dir.resolve(name);
    Commands.check(
        null,
        keygen.toString(),
        "-q",
        "-t",
        "ed25519",
        "-N",
        "",
        "-C",
        "lbuvault-test-" + name,
        "-f",
        key.toString());
    return key;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /** sshd could not bind the port we probed as free. */
  private static final class PortTakenException extends IOException {
    private static final long serialVersionUID = 1L;

    PortTakenException(int port) {
      super("port " + port + " was taken before sshd could bind it");
    }
  }
}
