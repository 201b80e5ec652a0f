package dev.lbuvault.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Makes sample cards and apkovls with {@code test-fixtures/make-card} (GNU tar, as lbu does). */
public final class Cards {
  private Cards() {}

  public static Path script() {
    return Path.of(System.getProperty("user.dir"), "test-fixtures", "make-card");
  }

  /** Generates a card into {@code dir} with extra make-card options. */
  public static Path make(Path dir, String... options) throws IOException {
    Tools.require("tar");
    Tools.require("openssl");
    List<String> cmd = new ArrayList<>(List.of("bash", script().toString(), dir.toString()));
    cmd.addAll(List.of(options));
    Commands.check(null, cmd.toArray(String[]::new));
    return dir;
  }

  /** Writes a fresh apkovl (different content per seed) to {@code out}. */
  public static Path apkovl(Path out, String host, int seed) throws IOException {
    Commands.check(
        null,
        "bash",
        script().toString(),
        "--apkovl-only",
        out.toString(),
        "--host",
        host,
        "--seed",
        Integer.toString(seed));
    return out;
  }
}
