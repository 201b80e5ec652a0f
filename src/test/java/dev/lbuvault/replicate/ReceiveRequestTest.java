package dev.lbuvault.replicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbuvault.repo.VersionId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code lbuvault receive} accepts from {@code SSH_ORIGINAL_COMMAND}: its three requests, and
 * nothing else; and where a path may lie, judged against real directories and symlinks.
 */
class ReceiveRequestTest {
  private static final String UUID = "0b7f3c52-6a3e-4c4e-9c1d-1f2e3d4c5b6a";

  @TempDir Path tmp;

  @Test
  void theThreeRequestsParseAndPrintBackToTheSameCommandLine() throws Exception {
    for (String line :
        new String[] {
          "lbuvault receive list /srv/replica rpi",
          "lbuvault receive prepare /srv/replica/pi2 pi2",
          "lbuvault receive store /srv/replica rpi 20260101T000000Z " + UUID + " zstd",
          "lbuvault receive store /srv/replica rpi 20260101T000000Z_2 " + UUID + " none",
        }) {
      assertThat(ReceiveRequest.parse(line).commandLine()).isEqualTo(line);
    }
    ReceiveRequest store =
        ReceiveRequest.parse("lbuvault receive store /r rpi 20260101T000000Z " + UUID + " zstd");
    assertThat(store.operation()).isEqualTo(ReceiveRequest.Operation.STORE);
    assertThat(store.id()).contains(new VersionId("20260101T000000Z"));
    assertThat(store.sourceUuid()).contains(UUID);
    assertThat(store.zstd()).isTrue();
  }

  @Test
  void anythingElseIsRefusedWithOneLineSayingWhy() {
    String[][] cases = {
      {"id", "only \"lbuvault receive"},
      {"cat /etc/shadow", "only \"lbuvault receive"},
      {"sh -c id", "only \"lbuvault receive"},
      {"lbuvault list --repo /srv/replica", "only \"lbuvault receive"},
      {"lbuvault receive list /srv/replica rpi; id", "without quotes or shell syntax"},
      {"lbuvault receive list /srv/replica rpi && id", "without quotes or shell syntax"},
      {"lbuvault receive list '/srv/replica' rpi", "without quotes or shell syntax"},
      {"lbuvault receive list /srv/replica $(id)", "without quotes or shell syntax"},
      {"lbuvault receive list /srv/replica rpi\nid", "without quotes or shell syntax"},
      {"lbuvault  receive list /srv/replica rpi", "without quotes or shell syntax"},
      {"lbuvault receive list /srv/replica rpi extra", "takes 2 arguments, got 3"},
      {"lbuvault receive store /srv/replica rpi 20260101T000000Z", "takes 5 arguments, got 3"},
      {
        "lbuvault receive delete /srv/replica rpi",
        "\"delete\" is not list, prepare, store or prune"
      },
      {"lbuvault receive list srv/replica rpi", "must be absolute"},
      {"lbuvault receive list /srv/replica/../../etc rpi", "\"..\" parts"},
      {"lbuvault receive list /srv/./replica rpi", "\"..\" parts"},
      {"lbuvault receive list /srv//replica rpi", "\"..\" parts"},
      {"lbuvault receive list /srv/replica .hidden", "not a valid host name"},
      {"lbuvault receive store /r rpi ../x " + UUID + " none", "not a version id"},
      {"lbuvault receive store /r rpi 20260101T000000Z not-a-uuid none", "not a btrfs UUID"},
      {"lbuvault receive store /r rpi 20260101T000000Z " + UUID + " gzip", "zstd or none"},
      {"", "no command given"},
    };
    for (String[] c : cases) {
      assertThatThrownBy(() -> ReceiveRequest.parse(c[0]))
          .as(c[0])
          .isInstanceOf(ReceiveRefusedException.class)
          .hasMessageContaining(c[1]);
    }
    assertThatThrownBy(() -> ReceiveRequest.parse(null))
        .isInstanceOf(ReceiveRefusedException.class)
        .hasMessageContaining("this key only receives replicas");
    assertThatThrownBy(() -> ReceiveRequest.parse("lbuvault receive list /r " + "a".repeat(2000)))
        .isInstanceOf(ReceiveRefusedException.class)
        .hasMessageNotContaining("a".repeat(300));
  }

  @Test
  void aPathIsAllowedInsideTheRestrictedDirectoryOnlyEvenThroughSymlinks() throws Exception {
    Path allowed = Files.createDirectories(tmp.resolve("replica"));
    Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
    Files.createDirectories(allowed.resolve("pi2"));
    Files.createSymbolicLink(allowed.resolve("out"), elsewhere);
    Files.createSymbolicLink(allowed.resolve("in"), allowed.resolve("pi2"));
    Files.createSymbolicLink(allowed.resolve("nowhere"), tmp.resolve("missing"));
    Files.createDirectories(tmp.resolve("replica-other"));
    RestrictedPath r = RestrictedPath.of(allowed);
    Path real = allowed.toRealPath();

    assertThat(r.confine(allowed.toString())).isEqualTo(real);
    assertThat(r.confine(allowed + "/pi2")).isEqualTo(real.resolve("pi2"));
    assertThat(r.confine(allowed + "/new/deeper")).isEqualTo(real.resolve("new/deeper"));
    assertThat(r.confine(allowed + "/in/x")).isEqualTo(real.resolve("pi2/x"));
    for (String outside :
        new String[] {
          allowed + "/out",
          allowed + "/out/new",
          allowed + "/nowhere/x",
          tmp + "/replica-other",
          elsewhere.toString(),
          "/etc",
        }) {
      assertThatThrownBy(() -> r.confine(outside))
          .as(outside)
          .isInstanceOf(ReceiveRefusedException.class)
          .hasMessage("refused " + outside + ": this key may only use " + allowed + " and below");
    }
    assertThat(elsewhere.resolve("new")).doesNotExist();
  }

  @Test
  void aListingSurvivesItsOwnTextForm() throws Exception {
    ReplicaListing l =
        new ReplicaListing(
            "btrfs",
            true,
            java.util.Map.of(
                new VersionId("20260101T000000Z"),
                Optional.of(UUID),
                new VersionId("20260102T000000Z"),
                Optional.empty()));
    assertThat(ReplicaListing.parse(l.write(), "x")).isEqualTo(l);
    assertThatThrownBy(() -> ReplicaListing.parse("uid=0(root)\n", "ssh://h/p"))
        .hasMessageContaining("ssh://h/p did not answer as lbuvault receive does");
  }
}
