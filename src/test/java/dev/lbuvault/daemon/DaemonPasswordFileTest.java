package dev.lbuvault.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Cli.Result;
import dev.lbuvault.testing.Openssl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon's {@code password.file} key: checked at startup, never echoed. */
class DaemonPasswordFileTest {
  private static final String SECRET = "daemon-side-secret";

  @TempDir Path tmp;

  @Test
  void aPrivatePasswordFileIsAccepted() throws Exception {
    Path pw = Openssl.passwordFile(tmp.resolve("apkovl.pass"), SECRET);
    Map<String, String> m = new HashMap<>();
    m.put("repo", tmp.resolve("repo").toString());
    m.put("source", tmp.resolve("card").toString());
    m.put("password.file", pw.toString());

    DaemonSettings s = DaemonSettings.parse(m);

    assertThat(s.passwordFile()).isEqualTo(Optional.of(pw));
    assertThat(s.toString()).doesNotContain(SECRET);
  }

  @Test
  void aPasswordFileReadableByOthersStopsTheDaemonWithExitTwoAndTheChmodToRun() throws Exception {
    Path pw = Openssl.passwordFile(tmp.resolve("apkovl.pass"), SECRET);
    Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-r--r--"));
    Path conf = tmp.resolve("lbuvault.conf");
    Files.writeString(
        conf,
        "repo = " + tmp.resolve("repo") + "\nsource = " + tmp + "\npassword.file = " + pw + "\n");
    Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rw-------"));

    Result r = Cli.run("daemon", "--config", conf.toString());

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.err()).contains("password.file").contains("chmod 600").doesNotContain(SECRET);
  }
}
