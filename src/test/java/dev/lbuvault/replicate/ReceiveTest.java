package dev.lbuvault.replicate;

import static dev.lbuvault.testing.TwoBtrfsRepositories.entries;
import static dev.lbuvault.testing.TwoBtrfsRepositories.field;
import static dev.lbuvault.testing.TwoBtrfsRepositories.id;
import static dev.lbuvault.testing.TwoBtrfsRepositories.versions;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.cli.ExitCodes;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.CliProcess;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.TwoBtrfsRepositories;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The far side of ssh replication without ssh: {@code lbuvault receive --restrict-path} run as its
 * own JVM with {@code SSH_ORIGINAL_COMMAND} set as sshd sets it, fed real {@code btrfs send}
 * streams from one loop-mounted btrfs into another. btrfs itself judges what was received.
 */
class ReceiveTest {
  @TempDir Path tmp;
  @RegisterExtension final TwoBtrfsRepositories two = new TwoBtrfsRepositories();

  /** What one far-side run returned and printed. */
  record Run(int exitCode, String out, String err) {}

  /** Runs receive with SSH_ORIGINAL_COMMAND = {@code request}, stdin from {@code producer}. */
  private Run receive(String request, List<String> producer) throws Exception {
    List<String> cmd =
        CliProcess.command(
            List.of(), List.of("receive", "--restrict-path", two.restrict().toString()));
    ProcessBuilder far = new ProcessBuilder(cmd);
    if (request != null) {
      far.environment().put("SSH_ORIGINAL_COMMAND", request);
    }
    Path out = Files.createTempFile(tmp, "out", ".txt");
    Path err = Files.createTempFile(tmp, "err", ".txt");
    far.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p;
    if (producer.isEmpty()) {
      far.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      p = far.start();
    } else {
      ProcessBuilder send = new ProcessBuilder(producer);
      send.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      send.redirectError(ProcessBuilder.Redirect.DISCARD);
      p = ProcessBuilder.startPipeline(List.of(send, far)).get(1);
    }
    assertThat(p.waitFor(3, TimeUnit.MINUTES)).as("receive finished").isTrue();
    return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  private Run receive(String request) throws Exception {
    return receive(request, List.of());
  }

  private String store(Path version, String uuid, String compression) {
    return "lbuvault receive store "
        + two.target()
        + " rpi "
        + id(version)
        + " "
        + uuid
        + " "
        + compression;
  }

  private static List<String> send(Path version, Path... parent) {
    List<String> cmd = new ArrayList<>(List.of("btrfs", "send", "-q"));
    for (Path p : parent) {
      cmd.addAll(List.of("-p", p.toString()));
    }
    cmd.add(version.toString());
    return cmd;
  }

  @Test
  void prepareCreatesTheRepositoryAndStoreReceivesFullThenIncrementalAsBtrfsConfirms()
      throws Exception {
    two.backup(1);
    two.backup(2);
    List<Path> src = versions(two.source());

    Run list = receive("lbuvault receive list " + two.target() + " rpi");
    assertThat(list.exitCode()).as(list.err()).isZero();
    assertThat(list.out()).startsWith("lbuvault-receive 1\nbackend none\nzstd ");
    assertThat(Path.of(two.target())).doesNotExist();

    Run prepare = receive("lbuvault receive prepare " + two.target() + " rpi");
    assertThat(prepare.exitCode()).as(prepare.err()).isZero();
    assertThat(prepare.out()).contains("backend btrfs\n").doesNotContain("version ");
    assertThat(Path.of(two.target(), "lbuvault.json")).exists();

    String uuid0 = field(src.get(0), "UUID");
    String uuid1 = field(src.get(1), "UUID");
    Run full = receive(store(src.get(0), uuid0, "none"), send(src.get(0)));
    assertThat(full.exitCode()).as(full.err()).isZero();
    Run incremental = receive(store(src.get(1), uuid1, "none"), send(src.get(1), src.get(0)));
    assertThat(incremental.exitCode()).as(incremental.err()).isZero();

    assertThat(entries(two.target())).containsExactly(id(src.get(0)), id(src.get(1)));
    for (Path version : src) {
      two.assertReceived(id(version));
    }
    Run listed = receive("lbuvault receive list " + two.target() + " rpi");
    assertThat(listed.out())
        .contains("version " + id(src.get(0)) + " " + uuid0 + "\n")
        .contains("version " + id(src.get(1)) + " " + uuid1 + "\n");
    Cli.Result verify = Cli.run("verify", "--repo", two.target());
    assertThat(verify.exitCode()).as(verify.toString()).isZero();
  }

  @Test
  void aStreamThatIsNotTheNamedVersionOrIsCutShortLeavesNothingAndFails() throws Exception {
    two.backup(1);
    two.backup(2);
    List<Path> src = versions(two.source());
    assertThat(receive("lbuvault receive prepare " + two.target() + " rpi").exitCode()).isZero();
    String uuid0 = field(src.get(0), "UUID");

    // The stream of the first version, announced as the second.
    Run misnamed = receive(store(src.get(1), field(src.get(1), "UUID"), "none"), send(src.get(0)));
    assertThat(misnamed.exitCode()).isEqualTo(ExitCodes.FAILURE);
    assertThat(misnamed.err().lines()).hasSize(1);
    assertThat(misnamed.err())
        .contains("version " + id(src.get(1)) + " of host rpi was not replicated")
        .contains("came with other entries (" + id(src.get(0)) + ")");
    assertThat(entries(two.target())).isEmpty();

    // The right stream, but the UUID the near side expects is another one.
    Run wrongUuid = receive(store(src.get(0), field(src.get(1), "UUID"), "none"), send(src.get(0)));
    assertThat(wrongUuid.exitCode()).isEqualTo(ExitCodes.FAILURE);
    assertThat(wrongUuid.err()).contains("has no received UUID matching the source");
    assertThat(entries(two.target())).isEmpty();

    // A stream cut after 4 KiB: btrfs receive fails; the half-made subvolume goes too.
    Path cut = tmp.resolve("cut.stream");
    Commands.check(null, "sh", "-c", "btrfs send -q " + src.get(0) + " | head -c 4096 > " + cut);
    Run garbled = receive(store(src.get(0), uuid0, "none"), List.of("cat", cut.toString()));
    assertThat(garbled.exitCode()).isEqualTo(ExitCodes.FAILURE);
    assertThat(garbled.err()).contains("was not replicated").contains("btrfs receive");
    assertThat(entries(two.target())).isEmpty();
    assertThat(Cli.run("list", "--repo", two.target()).out()).doesNotContain(id(src.get(0)));

    Run fine = receive(store(src.get(0), uuid0, "none"), send(src.get(0)));
    assertThat(fine.exitCode()).as(fine.err()).isZero();
    assertThat(entries(two.target())).containsExactly(id(src.get(0)));
  }

  @Test
  void anythingButItsThreeRequestsInsideThePathIsRefusedWithExit3AndTouchesNothing()
      throws Exception {
    Path elsewhere = Files.createDirectories(two.targetFilesystem().resolve("elsewhere"));
    Files.createSymbolicLink(two.restrict().resolve("escape"), elsewhere);
    String[][] cases = {
      {"id", "only \"lbuvault receive"},
      {"cat /etc/shadow", "only \"lbuvault receive"},
      {"lbuvault receive prepare " + elsewhere + " rpi", "may only use " + two.restrict()},
      {
        "lbuvault receive prepare " + two.restrict() + "/escape/x rpi",
        "may only use " + two.restrict()
      },
      {"lbuvault receive prepare " + two.restrict() + "/../elsewhere rpi", "\"..\" parts"},
      {"lbuvault receive prepare " + two.target() + " rpi --backend plain", "takes 2 arguments"},
      {null, "this key only receives replicas"},
    };
    for (String[] c : cases) {
      Run r = receive(c[0]);
      assertThat(r.exitCode()).as(c[0] + ": " + r.err()).isEqualTo(ExitCodes.UNSAFE);
      assertThat(r.err().lines()).as(r.err()).hasSize(1);
      assertThat(r.err()).startsWith("lbuvault: refused").contains(c[1]);
      assertThat(r.out()).isEmpty();
    }
    try (Stream<Path> s = Files.list(elsewhere)) {
      assertThat(s).isEmpty();
    }
    try (Stream<Path> s = Files.list(two.restrict())) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("escape");
    }
  }
}
