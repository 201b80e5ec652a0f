package dev.lbuvault.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.ApkIndexes;
import dev.lbuvault.testing.ApkIndexes.Pkg;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The world check follows dependencies through real-format indexes made with GNU tar and gzip: an
 * openssh that needs libcrypto3 through {@code so:libcrypto.so.3} is missing what libcrypto3's
 * absence takes away, and found again when libcrypto3 sits in the apk cache.
 */
class PackageCheckTest {
  @TempDir Path card;

  private static final List<Pkg> REPO =
      List.of(
          Pkg.of("musl", "1.2.5-r0").providing("so:libc.musl-aarch64.so.1=1"),
          Pkg.of("openssh", "9.9_p2-r0", "openssh-client", "openssh-server"),
          Pkg.of("openssh-client", "9.9_p2-r0", "so:libc.musl-aarch64.so.1", "so:libcrypto.so.3"),
          Pkg.of("openssh-server", "9.9_p2-r0", "so:libcrypto.so.3", "!dropbear"),
          Pkg.of("libcrypto3", "3.3.2-r0", "so:libc.musl-aarch64.so.1")
              .providing("so:libcrypto.so.3=3.3.2-r0"),
          Pkg.of("libssl3", "3.3.2-r0", "so:libcrypto.so.3").providing("so:libssl.so.3=3.3.2-r0"),
          Pkg.of("openssl", "3.3.2-r0", "so:libcrypto.so.3", "so:libssl.so.3")
              .providing("cmd:openssl=3.3.2-r0"));

  @Test
  void aDependencyWithoutItsApkIsNamedWithThePackageThatNeedsIt() throws IOException {
    apks("musl-1.2.5-r0", "openssh-9.9_p2-r0", "openssh-client-9.9_p2-r0");
    apks("openssh-server-9.9_p2-r0");
    ApkIndexes.write(card.resolve("apks/aarch64/APKINDEX.tar.gz"), REPO, true);

    PackageCheck check = load();

    assertThat(check.problems()).isEmpty();
    assertThat(check.missing(List.of("openssh>=9"), false))
        .as("named once, at the first package that needs it; the conflict !dropbear is no need")
        .containsExactly("so:libcrypto.so.3 (needed by openssh-client)");
  }

  @Test
  void aDependencyInTheCacheUnderItsHashedNameCounts() throws IOException {
    apks("musl-1.2.5-r0", "openssh-9.9_p2-r0", "openssh-client-9.9_p2-r0");
    apks("openssh-server-9.9_p2-r0");
    Files.createDirectories(card.resolve("cache"));
    Files.write(card.resolve("cache/libcrypto3-3.3.2-r0.1a2b3c4d.apk"), new byte[10]);
    ApkIndexes.write(card.resolve("apks/aarch64/APKINDEX.tar.gz"), REPO, false);
    ApkIndexes.write(card.resolve("cache/APKINDEX.1a2b3c4d.tar.gz"), REPO, true);

    PackageCheck check = load();

    assertThat(check.missing(List.of("openssh@main"), false)).isEmpty();
    assertThat(check.missing(List.of("openssh"), true))
        .as("the boot repository alone lacks libcrypto3")
        .containsExactly("so:libcrypto.so.3 (needed by openssh-client)");
  }

  @Test
  void opensslNeedsItsLibrariesInTheBootRepository() throws IOException {
    apks("musl-1.2.5-r0", "openssl-3.3.2-r0", "libcrypto3-3.3.2-r0");
    ApkIndexes.write(card.resolve("apks/aarch64/APKINDEX.tar.gz"), REPO, true);

    assertThat(load().missing(List.of("openssl"), true))
        .containsExactly("so:libssl.so.3 (needed by openssl)");

    apks("libssl3-3.3.2-r0");
    assertThat(load().missing(List.of("openssl"), true)).isEmpty();
  }

  @Test
  void withoutAnIndexPackagesAreFoundByFileNameNotByPrefix() throws IOException {
    apks("busybox-1.37.0-r12");
    Files.createDirectories(card.resolve("cache"));
    Files.write(card.resolve("cache/py3-foo-bar-2.0-r1.1a2b3c4d.apk"), new byte[1]);

    assertThat(load().missing(List.of("busybox", "py3-foo", "py3-foo-bar", "!conflict"), false))
        .containsExactly("py3-foo");
  }

  @Test
  void aDamagedIndexIsAProblemNamingTheFile() throws IOException {
    apks("busybox-1.37.0-r12");
    Path index = ApkIndexes.write(card.resolve("apks/aarch64/APKINDEX.tar.gz"), REPO, false);
    byte[] bytes = Files.readAllBytes(index);
    Files.write(index, java.util.Arrays.copyOf(bytes, bytes.length / 2));

    assertThat(load().problems())
        .singleElement()
        .asString()
        .startsWith("apks/aarch64/APKINDEX.tar.gz ")
        .endsWith("(apk cannot install from it)")
        .doesNotContain("\n");
  }

  private void apks(String... stems) throws IOException {
    Files.createDirectories(card.resolve("apks/aarch64"));
    for (String s : stems) {
      Files.write(card.resolve("apks/aarch64/" + s + ".apk"), new byte[10]);
    }
  }

  private PackageCheck load() throws IOException {
    Set<String> paths = new TreeSet<>();
    try (Stream<Path> s = Files.walk(card)) {
      s.filter(Files::isRegularFile).forEach(p -> paths.add(card.relativize(p).toString()));
    }
    return PackageCheck.load(paths, p -> Files.newInputStream(card.resolve(p)));
  }
}
