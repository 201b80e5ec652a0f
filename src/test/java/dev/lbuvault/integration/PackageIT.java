package dev.lbuvault.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.crypto.DecryptWithShippedJar;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Gpg;
import dev.lbuvault.testing.Http;
import dev.lbuvault.testing.Tools;
import dev.lbuvault.testing.Waits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The package from scripts/package, unpacked, runs every command with every system Java hidden: a
 * private mount namespace puts an empty directory over /usr/lib/jvm and /dev/null over whatever
 * {@code java} on PATH resolves to, so a JDK module missing from the jlink list fails here instead
 * of on a user's host. Runs in failsafe's integration-test phase, after target/lbuvault.jar is
 * built (the "packaged" tag; pom.xml); the tarball is rebuilt only when the jar or a packaged
 * script is newer than it.
 */
@Tag("packaged")
class PackageIT {
  private static final long MIB = 1024 * 1024;
  private static final List<String> PACKAGED =
      List.of(
          "scripts/package",
          "scripts/build-runtime",
          "scripts/lbuvault",
          "scripts/lbuvault-archive",
          "scripts/lbuvault.conf.example",
          "scripts/runit/lbuvault/run",
          "scripts/runit/lbuvault/log/run",
          "scripts/openrc/lbuvault");

  @TempDir static Path unpacked;
  private static Path home;

  @BeforeAll
  static void unpackThePackage() throws Exception {
    Tools.requireRoot(); // unshare -m and mount
    Tools.require("unshare");
    Path tarball = freshTarball();
    Commands.check(null, "tar", "-xzf", tarball.toString(), "-C", unpacked.toString());
    try (Stream<Path> s = Files.list(unpacked)) {
      home = s.filter(p -> p.getFileName().toString().startsWith("lbuvault-")).findFirst().get();
    }
  }

  @Test
  void holdsTheLauncherJarRuntimeServicesAndConfigInAtMost50MiB() throws Exception {
    for (String f :
        List.of(
            "bin/lbuvault",
            "bin/build-runtime",
            "bin/lbuvault-archive",
            "lib/lbuvault.jar",
            "runtime/bin/java",
            "runtime/release",
            "service/runit/lbuvault/run",
            "service/runit/lbuvault/log/run",
            "service/openrc/lbuvault",
            "lbuvault.conf.example")) {
      assertThat(home.resolve(f)).as(f).isRegularFile();
    }
    assertThat(Files.isExecutable(home.resolve("bin/lbuvault"))).isTrue();
    assertThat(Files.isExecutable(home.resolve("service/runit/lbuvault/run"))).isTrue();
    // The services point at the layout of docs/install-alpine.md.
    assertThat(Files.readString(home.resolve("service/runit/lbuvault/run")))
        .contains("\nlauncher=/mnt/array/lbuvault/current/bin/lbuvault\n");
    assertThat(Files.readString(home.resolve("service/openrc/lbuvault")))
        .contains("\nlauncher=/mnt/array/lbuvault/current/bin/lbuvault\n");
    String release = Files.readString(home.resolve("runtime/release"));
    assertThat(release).contains("java.base").doesNotContain("jdk.compiler", "jdk.jshell");
    assertThat(home.resolve("runtime/include")).doesNotExist();
    assertThat(home.resolve("runtime/man")).doesNotExist();
    // du counts allocated blocks, as a user's `du -sh` does.
    long kib = Long.parseLong(Commands.check(null, "du", "-sk", home.toString()).split("\\s")[0]);
    assertThat(kib * 1024).as("unpacked size in bytes").isLessThanOrEqualTo(50 * MIB);
  }

  @Test
  void everyCommandRunsOnTheBundledRuntimeWithNoSystemJava() throws Exception {
    Path work = unpacked.resolve("work");
    Path card = Cards.make(work.resolve("card"));
    Path repo = work.resolve("repo");
    Path image = work.resolve("card.img");
    Path textfiles = Files.createDirectories(work.resolve("textfile"));

    assertThat(hidden("java -version").exitCode())
        .as("a system java must not run inside the namespace")
        .isNotZero();
    assertThat(ok("--version").stdout()).startsWith("lbuvault ");
    assertThat(ok("--help").stdout()).contains("recover", "daemon");
    assertThat(ok("init", "--repo", repo.toString()).stdout()).contains("created repository");
    assertThat(ok("backup", "--repo", repo.toString(), "--source", card.toString()).stdout())
        .contains("stored version");
    Output unchanged =
        ok(
            "backup",
            "--repo",
            repo.toString(),
            "--source",
            card.toString(),
            "--textfile-dir",
            textfiles.toString(),
            "--json");
    assertThat(unchanged.stdout()).contains("\"result\": \"unchanged\"");
    assertThat(Files.readString(textfiles.resolve("lbuvault.prom")))
        .contains("lbuvault_backup_runs_total{host=\"rpi\",result=\"unchanged\"} 1");
    assertThat(ok("list", "--repo", repo.toString()).stdout()).contains("ID");
    assertThat(ok("verify", "--repo", repo.toString()).exitCode()).isZero();
    assertThat(ok("prune", "--repo", repo.toString(), "--keep-last", "1", "--dry-run").exitCode())
        .isZero();
    assertThat(ok("recover", "--repo", repo.toString(), "--to", image.toString()).stdout())
        .contains("verification: OK");
    assertThat(ok("inspect", image.toString()).stdout()).contains("verdict     good");

    daemonServesMetricsAndStopsCleanly(repo, card);
  }

  /**
   * The jar ships a trimmed BouncyCastle (pom.xml's shade filter): decrypting what openssl enc
   * makes with every cipher, mode and key derivation lbuvault supports, on the bundled runtime with
   * the shipped jar first on the class path, shows no class it needs was left out.
   */
  @Test
  void theShippedJarDecryptsEverySupportedOpensslEncFormat() throws Exception {
    Path work = Files.createDirectories(unpacked.resolve("enc"));
    Path plain = work.resolve("plain.gz");
    Commands.check(
        work, "sh", "-c", "head -c 200000 /dev/urandom | gzip > plain.gz && printf pw > pw");
    List<String> command =
        new ArrayList<>(
            List.of(
                home.resolve("runtime/bin/java").toString(),
                "-Xverify:all",
                "-cp",
                home.resolve("lib/lbuvault.jar")
                    + ":"
                    + Path.of("target/test-classes").toAbsolutePath(),
                DecryptWithShippedJar.class.getName(),
                plain.toString()));
    for (String cipher :
        List.of(
            "aes-128-cbc",
            "aes-192-cbc",
            "aes-256-cbc",
            "aes-128-cfb",
            "aes-256-cfb8",
            "aes-192-ofb",
            "aes-256-ctr")) {
      for (String kdf : List.of("-md md5", "-md sha256", "-pbkdf2")) {
        String out = "x" + kdf.replaceAll("[^a-z0-9]", "") + ".apkovl.tar.gz." + cipher;
        Commands.check(
            work,
            "sh",
            "-c",
            "openssl enc -" + cipher + " -salt " + kdf + " -pass file:pw -in plain.gz -out " + out);
        command.add(work.resolve(out).toString());
      }
    }
    Commands.Output o = Commands.run(null, command);
    assertThat(o.exitCode()).as(o.stdout() + o.stderr()).isZero();
    assertThat(o.stdout()).contains("decrypted 21");
    assertThat(o.stderr()).doesNotContain("NoClassDefFoundError", "ClassNotFoundException");
  }

  /**
   * The jar ships a trimmed bcpg too: export and import on the bundled runtime, with gpg's RSA key
   * (signed by it, no passphrase) and its ed25519/cv25519 key (passphrase), then gpg itself
   * decrypting an export, show that no OpenPGP class export or import needs was left out.
   */
  @Test
  void theShippedJarExportsAndImportsWithGpgsRsaAndCv25519Keys() throws Exception {
    Path work = Files.createDirectories(unpacked.resolve("export"));
    Path card = Cards.make(work.resolve("card"));
    Path repo = work.resolve("repo");
    ok("init", "--repo", repo.toString());
    ok("backup", "--repo", repo.toString(), "--source", card.toString());
    Path pw = work.resolve("pw");
    Files.writeString(pw, "pass phrase\n");
    Files.setPosixFilePermissions(
        pw, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    try (Gpg gpg = Gpg.in(work.resolve("gnupg"))) {
      gpg.generate("Rsa <rsa@example.org>", "default", "");
      gpg.generate("Ec <ec@example.org>", "future-default", "pass phrase");
      Path rsaPub = gpg.exportPublic("rsa@example.org", work.resolve("rsa.pub"), false);
      Path rsaSec = gpg.exportSecret("rsa@example.org", "", work.resolve("rsa.sec"), false);
      Path ecPub = gpg.exportPublic("ec@example.org", work.resolve("ec.asc"), true);
      Path ecSec = gpg.exportSecret("ec@example.org", "pass phrase", work.resolve("ec.sec"), true);
      String rsaOut = work.resolve("to-rsa").toString();
      String ecOut = work.resolve("to-ec").toString();
      ok(
          "export",
          "--repo",
          repo.toString(),
          "--to",
          rsaOut,
          "--recipient",
          rsaPub.toString(),
          "--sign-key",
          rsaSec.toString());
      ok("export", "--repo", repo.toString(), "--to", ecOut, "--recipient", ecPub.toString());
      ok("verify", "--export", ecOut);
      assertThat(
              ok(
                      "import",
                      "--from",
                      rsaOut,
                      "--repo",
                      work.resolve("back-rsa").toString(),
                      "--secret-key",
                      rsaSec.toString(),
                      "--signer",
                      rsaPub.toString())
                  .stdout())
          .contains("imported 1 version(s)");
      assertThat(
              ok(
                      "import",
                      "--from",
                      ecOut,
                      "--repo",
                      work.resolve("back-ec").toString(),
                      "--secret-key",
                      ecSec.toString(),
                      "--password-file",
                      pw.toString())
                  .stdout())
          .contains("imported 1 version(s)");
      ok("verify", "--repo", work.resolve("back-ec").toString());
      Path exported;
      try (Stream<Path> s = Files.list(Path.of(ecOut))) {
        exported = s.filter(p -> p.toString().endsWith(".pgp")).findFirst().orElseThrow();
      }
      Path restored = work.resolve("by-gpg");
      gpg.decryptAndUntar(exported, "pass phrase", restored);
      assertThat(Commands.check(restored, "sha256sum", "-c", "--strict", "SHA256SUMS"))
          .doesNotContain("FAILED");
    }
  }

  /**
   * bin/lbuvault-archive makes the class archive on the host, with the bundled runtime (which has
   * no CDS archive of its own); the launcher then maps lbuvault's classes from it, and runs without
   * it, quietly, once the jar is newer than the archive, the archive is shorter than when it was
   * made (a JVM mapping a truncated archive dies of SIGBUS), or the file is not an archive at all.
   */
  @Test
  void theClassArchiveIsMadeOnTheHostUsedAndIgnoredOnceStaleOrDamaged() throws Exception {
    Path copy = unpacked.resolve("archive-copy");
    Commands.check(null, "cp", "-a", home.toString(), copy.toString());
    Path jar = copy.resolve("lib/lbuvault.jar");
    Path archive = copy.resolve("lib/lbuvault.jsa");
    Path size = copy.resolve("lib/lbuvault.jsa.size");
    Path scratch = Files.createDirectories(unpacked.resolve("archive-tmp"));
    Output made = hidden(copy.resolve("bin/lbuvault-archive") + " --tmpdir " + scratch);
    assertThat(made.exitCode()).as(made.stderr() + made.stdout()).isZero();
    assertThat(made.stdout()).contains("made the class archive " + archive);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(archive)))
        .isEqualTo("rw-r--r--");
    // Its size and the JVM that made it: the bundled libjvm.so's size and time.
    Path libjvm = copy.resolve("runtime/lib/server/libjvm.so");
    String madeBy =
        Files.size(libjvm) + ":" + Files.getLastModifiedTime(libjvm).to(TimeUnit.SECONDS);
    assertThat(Files.readString(size).strip()).isEqualTo(Files.size(archive) + " " + madeBy);
    try (Stream<Path> lib = Files.list(copy.resolve("lib"));
        Stream<Path> tmp = Files.list(scratch)) {
      assertThat(lib).containsExactlyInAnyOrder(jar, archive, size);
      assertThat(tmp).as("training leftovers").isEmpty();
    }
    Path repo = unpacked.resolve("archive-repo");
    hidden(copy.resolve("bin/lbuvault") + " init --repo " + repo);
    assertThat(listCommandSource(copy, repo)).isEqualTo("shared objects file");

    FileTime jarTime = Files.getLastModifiedTime(jar);
    Files.setLastModifiedTime(jar, later(archive));
    assertThat(listCommandSource(copy, repo)).as("jar newer than the archive").startsWith("file:");
    Files.setLastModifiedTime(jar, jarTime);
    assertThat(listCommandSource(copy, repo)).as("jar as made").isEqualTo("shared objects file");

    // A JDK update keeps its packaged files' own (older) times: only the JVM's identity tells.
    FileTime jvmTime = Files.getLastModifiedTime(libjvm);
    Files.setLastModifiedTime(libjvm, FileTime.fromMillis(jvmTime.toMillis() - 86_400_000L));
    assertThat(listCommandSource(copy, repo)).as("JVM updated since").startsWith("file:");
    Files.setLastModifiedTime(libjvm, jvmTime);
    assertThat(listCommandSource(copy, repo)).as("JVM as made").isEqualTo("shared objects file");

    byte[] whole = Files.readAllBytes(archive);
    Files.write(archive, java.util.Arrays.copyOf(whole, whole.length / 2));
    Files.setLastModifiedTime(archive, later(jar));
    assertThat(listCommandSource(copy, repo)).as("truncated archive").startsWith("file:");

    Files.write(archive, new byte[64 * 1024]);
    Files.writeString(size, "65536 " + madeBy + "\n");
    Files.setLastModifiedTime(archive, later(jar));
    assertThat(listCommandSource(copy, repo)).as("not an archive").startsWith("file:");

    Output unwritable =
        hidden(
            "LBUVAULT_ARCHIVE=/nonexistent/x.jsa LBUVAULT_ARCHIVE_DUMP=/dev/null "
                + copy.resolve("bin/lbuvault"));
    assertThat(unwritable.exitCode()).isEqualTo(1);
    assertThat(unwritable.stderr().lines())
        .singleElement()
        .asString()
        .contains("could not make the class archive /nonexistent/x.jsa");
  }

  private static FileTime later(Path file) throws IOException {
    return FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 10_000);
  }

  /**
   * Where {@code list}'s command class came from in a run of the package's launcher, which must
   * succeed and print nothing on stderr whatever the archive's state.
   */
  private static String listCommandSource(Path pkg, Path repo) throws IOException {
    Path log = unpacked.resolve("class-load.txt");
    Output o =
        hidden(
            "LBUVAULT_JAVA_OPTS=-Xlog:class+load:file="
                + log
                + " "
                + pkg.resolve("bin/lbuvault")
                + " list --repo "
                + repo);
    assertThat(o.exitCode()).as(o.stderr() + o.stdout()).isZero();
    assertThat(o.stderr()).isEmpty();
    String prefix = "dev.lbuvault.cli.ListCommand source: ";
    return Files.readAllLines(log).stream()
        .filter(l -> l.contains(prefix))
        .map(l -> l.substring(l.indexOf(prefix) + prefix.length()))
        .findFirst()
        .orElseThrow();
  }

  private static void daemonServesMetricsAndStopsCleanly(Path repo, Path card) throws Exception {
    int port = Http.freePort();
    String base = "http://127.0.0.1:" + port;
    Path log = unpacked.resolve("daemon.log");
    ProcessBuilder pb =
        new ProcessBuilder(
                hiddenCommand(
                    "exec "
                        + home.resolve("bin/lbuvault")
                        + " daemon --repo "
                        + repo
                        + " --source "
                        + card
                        + " --listen 127.0.0.1:"
                        + port
                        + " --rescan 1h"))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    Process daemon = pb.start();
    try {
      Waits.until(
          Duration.ofSeconds(90),
          "/healthz of the packaged daemon",
          () -> Http.tryGet(base + "/healthz").map(r -> r.status() == 200).orElse(false));
      String metrics = Http.get(base + "/metrics").body();
      assertThat(metrics)
          .contains("lbuvault_versions{host=\"rpi\"} 1", "process_cpu_seconds_total");
      scrapesRetainNothing(daemon.pid(), base);
    } finally {
      daemon.destroy(); // SIGTERM to the JVM: the launcher and sh -c exec'd into it
      if (!daemon.waitFor(60, TimeUnit.SECONDS)) {
        daemon.destroyForcibly();
      }
    }
    assertThat(daemon.exitValue()).as(Files.readString(log)).isZero();
    assertThat(Files.readString(log)).contains("stopped").doesNotContain("Exception");
  }

  /**
   * Issue 9 #23: thousands of scrapes must not grow the daemon. The first ones warm the JIT up
   * (code cache, metaspace, compiler arenas that glibc keeps unless trimmed); after that, more
   * scrapes must cost nothing, and the warm-up itself stays bounded because the launcher has the
   * JVM trim its native heap.
   */
  private static void scrapesRetainNothing(long pid, String base) throws Exception {
    long start = rssKib(pid);
    scrape(base, 3000);
    long warmed = rssKib(pid);
    scrape(base, 3000);
    long later = rssKib(pid);
    String figures =
        "RSS " + start + " KiB, after 3,000 scrapes " + warmed + ", after 6,000 " + later;
    assertThat(later - warmed).as(figures + ": growth over the last 3,000").isLessThan(2 * 1024);
    assertThat(later - start).as(figures + ": growth over all 6,000").isLessThan(12 * 1024);
  }

  /** Scrapes, then waits past the launcher's 10 s native-heap trim interval. */
  private static void scrape(String base, int times) throws Exception {
    for (int i = 0; i < times; i++) {
      assertThat(Http.get(base + "/metrics").status()).isEqualTo(200);
    }
    Thread.sleep(12_000);
  }

  private static long rssKib(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IOException("no VmRSS in /proc/" + pid + "/status");
  }

  /** The output of one lbuvault command that must succeed with no trace of a missing class. */
  private static Output ok(String... args) throws IOException {
    StringBuilder cmd = new StringBuilder(home.resolve("bin/lbuvault").toString());
    for (String a : args) {
      cmd.append(" '").append(a).append('\'');
    }
    Output o = hidden(cmd.toString());
    assertThat(o.exitCode()).as(String.join(" ", args) + ": " + o.stderr() + o.stdout()).isZero();
    assertThat(o.stderr())
        .doesNotContain("NoClassDefFoundError", "ClassNotFoundException", "UnsatisfiedLinkError");
    return o;
  }

  private record Output(int exitCode, String stdout, String stderr) {}

  private static Output hidden(String command) throws IOException {
    Commands.Output o = Commands.run(null, hiddenCommand(command));
    return new Output(o.exitCode(), o.stdout(), o.stderr());
  }

  /**
   * {@code command} in a private mount namespace where no system Java can run, with a clean
   * environment whose PATH holds no Java directory.
   */
  private static List<String> hiddenCommand(String command) {
    String script =
        String.join(
            "\n",
            "set -eu",
            "empty=$(mktemp -d)",
            "for j in $(which -a java 2>/dev/null || true); do",
            "  real=$(readlink -f \"$j\" || true)",
            "  if [ -n \"$real\" ] && [ -e \"$real\" ]; then mount --bind /dev/null \"$real\"; fi",
            "done",
            "[ -d /usr/lib/jvm ] && mount --bind \"$empty\" /usr/lib/jvm",
            "exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
                + " HOME=/root LANG=C.UTF-8 sh -c \"$1\"");
    return new ArrayList<>(List.of("unshare", "-m", "sh", "-c", script, "hide-java", command));
  }

  /** The tarball in target/, rebuilt with scripts/package when older than what it packs. */
  private static Path freshTarball() throws Exception {
    Path jar = Path.of("target/lbuvault.jar");
    assertThat(jar).as("failsafe runs after package: the shaded jar must exist").isRegularFile();
    FileTime newestInput = Files.getLastModifiedTime(jar);
    for (String s : PACKAGED) {
      FileTime t = Files.getLastModifiedTime(Path.of(s));
      newestInput = t.compareTo(newestInput) > 0 ? t : newestInput;
    }
    Path tarball = existingTarball();
    if (tarball == null || Files.getLastModifiedTime(tarball).compareTo(newestInput) < 0) {
      String printed = Commands.check(null, "sh", "scripts/package").strip();
      tarball = Path.of(printed);
    }
    return tarball;
  }

  private static Path existingTarball() throws IOException {
    String arch = Commands.check(null, "uname", "-m").strip();
    try (Stream<Path> s = Files.list(Path.of("target"))) {
      return s.filter(
              p -> {
                String n = p.getFileName().toString();
                return n.startsWith("lbuvault-") && n.endsWith("-" + arch + ".tar.gz");
              })
          .findFirst()
          .orElse(null);
    }
  }
}
