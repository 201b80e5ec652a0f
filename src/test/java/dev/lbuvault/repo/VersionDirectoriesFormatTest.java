package dev.lbuvault.repo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The {@code directories} field of {@code version.json}: written as documented in
 * docs/repository-format.md, and absent (null) in versions made before it existed, which must keep
 * reading.
 */
class VersionDirectoriesFormatTest {
  private static String golden(String name) throws IOException {
    try (InputStream in = VersionDirectoriesFormatTest.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static VersionMetadata withDirectories(List<String> directories) {
    VersionMetadata s = VersionMetadataTest.sample();
    return new VersionMetadata(
        s.id(),
        s.time(),
        s.host(),
        s.source(),
        s.toolVersion(),
        s.fileCount(),
        s.totalBytes(),
        s.apkovl(),
        s.apkovls(),
        s.card(),
        s.warnings(),
        s.sumsSha256(),
        directories);
  }

  @Test
  void aVersionRecordsEveryDirectoryInTheGoldenFormat() throws Exception {
    VersionMetadata m = withDirectories(List.of("boot", "boot/overlays", "cache"));
    assertThat(m.toJson()).isEqualTo(golden("/golden/version-with-directories.json"));
    assertThat(VersionMetadata.fromJson(m.toJson())).isEqualTo(m);
  }

  @Test
  void aCardWithoutDirectoriesRecordsAnEmptyListNotNothing() throws Exception {
    VersionMetadata m = withDirectories(List.of());
    assertThat(m.toJson()).contains("\"directories\": []");
    assertThat(VersionMetadata.fromJson(m.toJson()).directories()).isEmpty();
  }

  @Test
  void anOlderVersionWithoutTheFieldStillReadsAndSaysItRecordedNone() throws Exception {
    VersionMetadata old = VersionMetadata.fromJson(golden("/golden/version.json"));
    assertThat(old.directories()).isNull();
    assertThat(old.host()).isEqualTo("rpi");
    assertThat(old.toJson()).isEqualTo(golden("/golden/version.json"));
  }
}
