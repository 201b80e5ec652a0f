package dev.lbuvault.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommitterTest {
  @TempDir Path tmp;

  private Path temp(String name, String content) throws IOException {
    return Files.writeString(tmp.resolve(name + ".tmp"), content);
  }

  @Test
  void everyCopyHandedOverIsInPlaceWithItsContentOnceDrained() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("mirror"));
    try (Committer c = new Committer()) {
      for (int i = 0; i < 40; i++) { // more than the queue holds, so submit also waits
        c.submit(temp("f" + i, "content " + i), dir.resolve("f" + i));
      }
      c.drain();
      for (int i = 0; i < 40; i++) {
        assertThat(dir.resolve("f" + i)).hasContent("content " + i);
        assertThat(tmp.resolve("f" + i + ".tmp")).doesNotExist();
      }
    }
  }

  @Test
  void aCopyThatCannotBeCommittedFailsTheDrainNamingTheFile() throws IOException {
    Path missing = tmp.resolve("gone.tmp");
    try (Committer c = new Committer()) {
      c.submit(missing, tmp.resolve("target"));
      assertThatThrownBy(c::drain)
          .isInstanceOf(NoSuchFileException.class)
          .hasMessageContaining(missing.toString());
    }
    assertThat(tmp.resolve("target")).doesNotExist();
  }

  @Test
  void closingWaitsForTheCopiesAlreadyHandedOver() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("mirror"));
    try (Committer c = new Committer()) {
      for (int i = 0; i < 10; i++) {
        c.submit(temp("g" + i, "g" + i), dir.resolve("g" + i));
      }
    } // no drain: close alone must not return before the renames are done
    for (int i = 0; i < 10; i++) {
      assertThat(dir.resolve("g" + i)).hasContent("g" + i);
    }
  }
}
