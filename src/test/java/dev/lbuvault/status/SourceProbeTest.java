package dev.lbuvault.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.Cards;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourceProbeTest {
  @Test
  void aCardIsUpAnEmptyMountPointOrAMissingDirectoryIsDown(@TempDir Path tmp) throws Exception {
    Path card = Cards.make(tmp.resolve("card"));
    SourceSnapshot up = SourceProbe.probe(card);
    assertThat(up.up()).isTrue();
    assertThat(up.apkovls()).containsExactly("rpi.apkovl.tar.gz");
    assertThat(up.apkovlModified("rpi"))
        .contains(Files.getLastModifiedTime(card.resolve("rpi.apkovl.tar.gz")).toInstant());
    assertThat(up.topLevel()).containsKeys("config.txt", "apks", "cache");

    Files.createDirectory(tmp.resolve("empty"));
    SourceSnapshot unmounted = SourceProbe.probe(tmp.resolve("empty"));
    assertThat(unmounted.up()).isFalse();
    assertThat(unmounted.problem()).contains("card not mounted?");
    assertThat(SourceProbe.probe(tmp.resolve("missing")).problem()).endsWith("does not exist");

    Files.copy(card.resolve("rpi.apkovl.tar.gz"), card.resolve("rpi.apkovl.tar.gz.new"));
    assertThat(SourceProbe.probe(card).inProgress()).isTrue();
  }

  @Test
  void theHostComesFromConfigurationThenTheCardThenTheRepository(@TempDir Path tmp)
      throws Exception {
    Path card = Cards.make(tmp.resolve("card"), "--host", "pi-kitchen");
    SourceSnapshot snap = SourceProbe.probe(card);
    assertThat(HostChoice.choose(java.util.Optional.of("x"), snap, null))
        .isEqualTo(new HostChoice("x", true));
    assertThat(HostChoice.choose(java.util.Optional.empty(), snap, null))
        .isEqualTo(new HostChoice("pi-kitchen", true));
    HostChoice guessed =
        HostChoice.choose(java.util.Optional.empty(), SourceSnapshot.down("gone"), null);
    assertThat(guessed.authoritative()).isFalse();
    assertThat(guessed.name()).isNotEmpty();
  }
}
