package dev.lbuvault.repo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.process.ProcessRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the next writer deletes before anything else, in a real plain repository: the leftovers a
 * writer killed at any instant can leave, and nothing else.
 */
class RemoveLeftoversTest {
  @TempDir Path tmp;

  @Test
  void theTemporaryOfAMarkerWhoseWriteWasCutShortIsDeletedAndVersionsAreKept() throws Exception {
    Repository repo =
        Repository.init(tmp.resolve("repo"), "plain", Clock.systemUTC(), ProcessRunner.system());
    Path versions = Files.createDirectories(repo.host("rpi").versions());
    Path version = Files.createDirectories(versions.resolve("20261129T030000Z"));
    Files.writeString(version.resolve("version.json"), "{}");
    // What SecureFiles.writeAtomically leaves when killed before its rename: the marker's temp.
    Path temp = versions.resolve("..receiving-20261129T040000Z.tmp-0b1c6a57-51b5-4d8e-9a54");
    Files.writeString(temp, "full\n");
    Path partial = Files.createDirectories(versions.resolve(".partial-20261129T050000Z"));
    Files.writeString(partial.resolve("x"), "half");

    assertThat(repo.removeLeftovers("rpi")).contains(temp, partial);

    try (Stream<Path> left = Files.list(versions)) {
      assertThat(left).containsExactly(version);
    }
    assertThat(repo.versions("rpi")).extracting(StoredVersion::dir).containsExactly(version);
  }
}
