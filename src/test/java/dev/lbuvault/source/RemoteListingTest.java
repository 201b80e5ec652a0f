package dev.lbuvault.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RemoteListingTest {
  @Test
  void filesDirectoriesAndOtherEntriesAreSortedIntoTheScan() throws Exception {
    CardScan scan =
        RemoteListing.parse(
            "directory/4096/1700000000/./apks\n"
                + "regular file/12/1700000001/./apks/x 1.apk\n"
                + "regular empty file/0/1700000002/./empty\n"
                + "symbolic link/4/1700000003/./link\n"
                + "bad-name\n"
                + "regular file/3/1700000004/./a/b/c\n",
            "ssh://pi2/media");

    assertThat(scan.files())
        .containsExactly(
            new CardFile("a/b/c", 3, FileTime.fromMillis(1_700_000_004_000L)),
            new CardFile("apks/x 1.apk", 12, FileTime.fromMillis(1_700_000_001_000L)),
            new CardFile("empty", 0, FileTime.fromMillis(1_700_000_002_000L)));
    assertThat(scan.directories()).containsExactly("apks");
    assertThat(scan.skipped()).containsExactly("link");
    assertThat(scan.badNames()).hasSize(1);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "regular file/1/1/../etc/shadow",
        "regular file/1/1/./a/../../b",
        "regular file/1/1//etc/passwd",
        "regular file/1/1/./a//b",
        "regular file/x/1/./a",
        "regular file/1/1",
        "Welcome to pi2!"
      })
  void aLineTheScriptCannotPrintIsRefusedAsATransferError(String line) {
    assertThatThrownBy(() -> RemoteListing.parse(line + "\n", "ssh://pi2/media"))
        .isInstanceOfSatisfying(
            RemoteSourceException.class,
            e -> assertThat(e.kind()).isEqualTo(RemoteSourceException.Kind.TRANSFER))
        .hasMessageContaining("ssh://pi2/media");
  }
}
