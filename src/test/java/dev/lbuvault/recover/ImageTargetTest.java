package dev.lbuvault.recover;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.cli.ExitCodes;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Cli.Result;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Tools;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An image target appears only complete: a full filesystem (a real, small loop-mounted ext4) leaves
 * nothing at the target's name or beside it, and the message names the target; a temporary left by
 * a killed run is removed by the next run to the same name.
 */
class ImageTargetTest {
  @TempDir Path tmp;

  private String repoWithCard(String... cardOptions) throws Exception {
    Path card = Cards.make(tmp.resolve("card"), cardOptions);
    String repo = tmp.resolve("repo").toString();
    assertThat(Cli.run("init", "--repo", repo).exitCode()).isZero();
    Result b = Cli.run("backup", "--repo", repo, "--source", card.toString());
    assertThat(b.exitCode()).as(b.toString()).isZero();
    return repo;
  }

  private static List<String> namesIn(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }

  @Test
  void aFullFilesystemLeavesNothingAtTheTargetAndTheMessageNamesIt() throws Exception {
    Tools.requireRoot();
    Tools.require("mkfs.ext4");
    String repo = repoWithCard("--total-mb", "16");
    Path fs = tmp.resolve("small.ext4");
    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    Commands.check(null, "truncate", "-s", "8M", fs.toString());
    Commands.check(null, "mkfs.ext4", "-q", "-F", fs.toString());
    Commands.check(null, "mount", "-o", "loop", fs.toString(), mnt.toString());
    try {
      Path image = mnt.resolve("card.img");
      Result r = Cli.run("recover", "--repo", repo, "--to", image.toString());
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.FAILURE);
      assertThat(r.err())
          .contains("cannot write " + image)
          .contains("No space left on device")
          .contains("nothing was left at " + image);
      assertThat(namesIn(mnt)).containsExactly("lost+found");
    } finally {
      if (Commands.run(null, List.of("umount", mnt.toString())).exitCode() != 0) {
        Commands.run(null, List.of("umount", "-l", mnt.toString()));
      }
    }
  }

  @Test
  void aTemporaryLeftByAKilledRunIsRemovedByTheNextRun() throws Exception {
    String repo = repoWithCard();
    Path out = Files.createDirectories(tmp.resolve("out"));
    // What a run killed mid-write leaves: its temporary, no longer locked by anyone.
    Path stale = out.resolve(".card.img.lbuvault-partial-0123456789ab");
    Files.writeString(stale, "half a card");
    Path unrelated = out.resolve(".other.img.lbuvault-partial-0123456789ab");
    Files.writeString(unrelated, "someone else's");
    Result r = Cli.run("recover", "--repo", repo, "--to", out.resolve("card.img").toString());
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(namesIn(out))
        .containsExactlyInAnyOrder("card.img", unrelated.getFileName().toString());
  }

  @Test
  void concurrentRunsToOneNameNeverWriteIntoATemporaryTheOtherRemoved() throws Exception {
    Path target = Files.createDirectories(tmp.resolve("race")).resolve("card.img");
    AtomicInteger nameless = new AtomicInteger();
    Callable<Void> run =
        () -> {
          SecureRandom random = new SecureRandom();
          for (int i = 0; i < 400; i++) {
            try (ImageTarget t = ImageTarget.create(target, 4096, random)) {
              if (!Files.exists(t.readPath(), LinkOption.NOFOLLOW_LINKS)) {
                nameless.incrementAndGet();
              }
            }
          }
          return null;
        };
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      for (Future<Void> f : pool.invokeAll(List.of(run, run, run))) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(nameless).as("temporaries deleted under a running writer").hasValue(0);
    assertThat(namesIn(target.getParent())).isEmpty();
  }
}
