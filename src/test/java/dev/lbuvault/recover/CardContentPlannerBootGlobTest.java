package dev.lbuvault.recover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbuvault.archive.ApkovlName;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.repo.VersionId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8's boot glob in recover: the rebuilt card holds exactly one root file the initramfs takes
 * for an apkovl ({@link ApkovlName#matchesBootGlob}); leftovers stay off it and are named, unless
 * the user picks one with {@code --apkovl}.
 */
class CardContentPlannerBootGlobTest {
  private static final List<String> LEFTOVERS =
      List.of(
          "rpi.apkovl.tar.gz~",
          "rpi.apkovl.tar.gz.old.1",
          "rpi.apkovl.tar.gz.aes-256-cbc.bak",
          ".apkovl.tar.gz",
          "rpi.apkovl.tar.gz.bak",
          "rpi.apkovl.tar.gz.new");

  @TempDir Path tmp;
  StoredVersion version;

  @BeforeEach
  void setUp() throws Exception {
    version = new StoredVersion("rpi", VersionId.at(Instant.parse("2026-01-01T00:00:00Z")), tmp);
    Path card = Files.createDirectories(version.card().resolve("cache"));
    card = card.getParent();
    Files.writeString(card.resolve("rpi.apkovl.tar.gz"), "the real one");
    Files.writeString(card.resolve("config.txt"), "kernel=boot/vmlinuz-rpi\n");
    Files.writeString(card.resolve("cache/notes.new"), "the user's own .new file");
    Files.writeString(card.resolve("cache/rpi.apkovl.tar.gz~"), "not at the root: not booted");
    for (String name : LEFTOVERS) {
      Files.writeString(card.resolve(name), "leftover " + name);
    }
  }

  @Test
  void exactlyOneRootFileMatchingTheBootGlobGoesOnTheCardAndTheLeftoversAreNamed()
      throws Exception {
    CardContent content =
        new CardContentPlanner()
            .plan(version, Optional.of("rpi.apkovl.tar.gz"), Optional.empty(), Optional.empty());

    assertThat(rootBootCandidates(content)).containsExactly("rpi.apkovl.tar.gz");
    assertThat(content.apkovl()).isEqualTo("rpi.apkovl.tar.gz");
    for (String name : LEFTOVERS) {
      assertThat(content.leftOut()).as(name).anyMatch(l -> l.startsWith(name + " ("));
    }
    assertThat(content.leftOut())
        .anyMatch(l -> l.equals("rpi.apkovl.tar.gz.new (an interrupted lbu commit)"))
        .anyMatch(l -> l.startsWith("rpi.apkovl.tar.gz~ (") && l.contains("--apkovl"));
    assertThat(paths(content))
        .as("a non-apkovl .new file and a name below the root come back")
        .contains("cache/notes.new", "cache/rpi.apkovl.tar.gz~", "config.txt");
  }

  @Test
  void aLeftoverGoesOnTheCardAloneWhenTheUserPicksIt() throws Exception {
    CardContent content =
        new CardContentPlanner()
            .plan(
                version,
                Optional.of("rpi.apkovl.tar.gz"),
                Optional.of("rpi.apkovl.tar.gz~"),
                Optional.empty());

    assertThat(rootBootCandidates(content)).containsExactly("rpi.apkovl.tar.gz~");
    assertThat(content.leftOut()).anyMatch(l -> l.startsWith("rpi.apkovl.tar.gz ("));
  }

  @Test
  void withoutAProperApkovlNoLeftoverIsChosenUnasked() throws Exception {
    // ".bak" would pass for a cipher suffix (ApkovlName.isApkovl), so it goes too.
    Files.delete(version.card().resolve("rpi.apkovl.tar.gz"));
    Files.delete(version.card().resolve("rpi.apkovl.tar.gz.bak"));

    CardContent content =
        new CardContentPlanner()
            .plan(version, Optional.empty(), Optional.empty(), Optional.empty());

    assertThat(rootBootCandidates(content)).isEmpty();
    assertThat(content.apkovl()).isNull();
  }

  @Test
  void anInterruptedCommitOrANameNotAtTheRootCannotBePicked() {
    for (String pick : List.of("rpi.apkovl.tar.gz.new", "cache/rpi.apkovl.tar.gz~", "nope")) {
      assertThatThrownBy(
              () ->
                  new CardContentPlanner()
                      .plan(version, Optional.empty(), Optional.of(pick), Optional.empty()))
          .as(pick)
          .isInstanceOf(RecoverRefusedException.class)
          .hasMessageStartingWith("--apkovl " + pick + " is not an apkovl at the root");
    }
  }

  private static List<String> paths(CardContent content) {
    return content.items().stream().map(CardItem::path).toList();
  }

  private static List<String> rootBootCandidates(CardContent content) {
    return paths(content).stream()
        .filter(p -> p.indexOf('/') < 0 && ApkovlName.matchesBootGlob(p))
        .toList();
  }
}
