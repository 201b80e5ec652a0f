package dev.lbuvault.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Where the daemon's parser is loaded from, whatever the directories above the jar are named. */
class ParserLoaderTest {
  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"plain", "x!", "a!/b", "with space", "50%", "#hash", "ü"})
  void aJarIsFoundWhateverItsDirectoryIsNamed(String dirName) throws Exception {
    Path jar = Files.createDirectories(tmp.resolve(dirName)).resolve("lbuvault.jar");
    try (OutputStream file = Files.newOutputStream(jar);
        JarOutputStream out = new JarOutputStream(file)) {
      out.putNextEntry(new JarEntry("p/Q.class"));
      out.write(new byte[] {1, 2, 3});
      out.closeEntry();
    }
    try (URLClassLoader app = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
      URL found = ParserLoader.locationOf(app, "p.Q").orElseThrow();
      assertThat(Path.of(found.toURI())).isEqualTo(jar);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"classes", "x!", "with space"})
  void aClassDirectoryIsFoundWhateverItIsNamed(String dirName) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve(dirName));
    Files.write(Files.createDirectories(dir.resolve("p")).resolve("Q.class"), new byte[] {1});
    try (URLClassLoader app = new URLClassLoader(new URL[] {dir.toUri().toURL()}, null)) {
      URL found = ParserLoader.locationOf(app, "p.Q").orElseThrow();
      assertThat(Path.of(found.toURI())).isEqualTo(dir);
    }
  }

  @Test
  void aClassNoLoaderFindsHasNoLocationAndNoParserLoader() {
    ClassLoader app = ParserLoaderTest.class.getClassLoader();
    assertThat(ParserLoader.locationOf(app, "no.such.Type")).isEmpty();
    assertThat(ParserLoader.over(app, "dev.lbuvault.cli.Main", "no.such.Type")).isEmpty();
  }

  @Test
  void itDefinesPicocliAndTheCommandLineItselfAndTakesTheRestFromItsParent() throws Exception {
    ClassLoader app = ParserLoaderTest.class.getClassLoader();
    try (ParserLoader loader =
        ParserLoader.over(app, "dev.lbuvault.cli.Main", "picocli.CommandLine").orElseThrow()) {
      assertThat(loader.loadClass("picocli.CommandLine").getClassLoader()).isSameAs(loader);
      assertThat(loader.loadClass("dev.lbuvault.cli.Main").getClassLoader()).isSameAs(loader);
      assertThat(loader.loadClass("dev.lbuvault.daemon.DaemonSettings"))
          .isSameAs(app.loadClass("dev.lbuvault.daemon.DaemonSettings"));
    }
  }
}
