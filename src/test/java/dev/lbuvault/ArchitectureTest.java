package dev.lbuvault;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The package rules of docs/architecture.md: each third-party library from one package, and the
 * core free of the daemon's, the metrics' and the command line's dependencies.
 */
class ArchitectureTest {
  private static final Path MAIN = Path.of("src/main/java/dev/lbuvault");

  private static List<String> violations(String importPrefix, List<String> allowedPackages)
      throws Exception {
    List<String> found = new ArrayList<>();
    try (Stream<Path> files = Files.walk(MAIN)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        String pkg = MAIN.relativize(f.getParent()).toString().replace('/', '.');
        boolean allowed = allowedPackages.stream().anyMatch(a -> pkg.equals(a));
        for (String line : Files.readAllLines(f)) {
          if (line.startsWith("import " + importPrefix) && !allowed) {
            found.add(f + ": " + line);
          }
        }
      }
    }
    return found;
  }

  @Test
  void quartzOnlyInDaemonMicrometerOnlyInMetrics() throws Exception {
    assertThat(violations("org.quartz", List.of("daemon"))).isEmpty();
    assertThat(violations("io.micrometer", List.of("metrics"))).isEmpty();
    assertThat(violations("io.prometheus", List.of("metrics"))).isEmpty();
    assertThat(violations("com.sun.net.httpserver", List.of("metrics"))).isEmpty();
    assertThat(violations("picocli", List.of("cli"))).isEmpty();
    assertThat(violations("org.apache.commons.compress", List.of("archive"))).isEmpty();
    assertThat(violations("com.sun.jna", List.of("device"))).isEmpty();
    assertThat(violations("org.bouncycastle", List.of("crypto"))).isEmpty();
  }

  @Test
  void theCoreImportsNeitherTheDaemonNorTheMetricsNorTheCommandLine() throws Exception {
    assertThat(violations("dev.lbuvault.cli", List.of("cli"))).isEmpty();
    assertThat(violations("dev.lbuvault.daemon", List.of("daemon", "cli"))).isEmpty();
    assertThat(violations("dev.lbuvault.metrics", List.of("metrics", "cli"))).isEmpty();
    assertThat(violations("org.slf4j", List.of("daemon", "cli"))).isEmpty();
  }
}
