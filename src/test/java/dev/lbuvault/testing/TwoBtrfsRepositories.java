package dev.lbuvault.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The replicate tests' setup: two real btrfs filesystems on loop devices, an initialised btrfs
 * repository on the first ({@link #source()}), a replica path on the second under a directory a
 * restricted receiver may use ({@link #restrict()}), and a card whose apkovl each {@link
 * #backup(int)} changes. btrfs itself is the judge of what was received ({@link #assertReceived}).
 * Registered with {@code @RegisterExtension}: made before each test (before the class's own
 * {@code @BeforeEach}), unmounted after it. Needs root and btrfs-progs.
 */
public final class TwoBtrfsRepositories implements BeforeEachCallback, AfterEachCallback {
  /** Host name of the card's apkovl, and so of every version. */
  public static final String HOST = "rpi";

  private static final long MEGABYTES = 512;

  private Path work;
  private BtrfsLoop a;
  private BtrfsLoop b;
  private Path card;
  private Path restrict;

  /** Makes both filesystems in a temporary directory of its own and inits the source. */
  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    Tools.requireRoot();
    Tools.require("mkfs.btrfs");
    work = Files.createTempDirectory("lbuvault-two-btrfs-");
    a = BtrfsLoop.create(Files.createDirectories(work.resolve("a")), MEGABYTES);
    b = BtrfsLoop.create(Files.createDirectories(work.resolve("b")), MEGABYTES);
    card = Cards.make(work.resolve("card"));
    restrict = Files.createDirectories(b.mountPoint().resolve("replica"));
    Cli.Result init = Cli.run("init", "--repo", source());
    assertThat(init.exitCode()).as(init.toString()).isZero();
  }

  /** Unmounts the second filesystem, then the first, then deletes the directory. */
  @Override
  public void afterEach(ExtensionContext context) throws IOException {
    try {
      if (b != null) {
        b.close();
      }
    } finally {
      try {
        if (a != null) {
          a.close();
        }
      } finally {
        if (work != null) {
          Commands.check(null, "rm", "-rf", "--one-file-system", work.toString());
        }
      }
    }
  }

  /** The source repository, on the first filesystem. */
  public String source() {
    return a.mountPoint().resolve("repo").toString();
  }

  /** The replica's path (not created), inside {@link #restrict()} on the second filesystem. */
  public String target() {
    return restrict.resolve("offsite").toString();
  }

  /** The directory a {@code receive --restrict-path} may use on the second filesystem. */
  public Path restrict() {
    return restrict;
  }

  /** The second filesystem's mount point, for paths outside {@link #restrict()}. */
  public Path targetFilesystem() {
    return b.mountPoint();
  }

  public Path card() {
    return card;
  }

  /** Writes the card's apkovl from {@code seed} and backs the card up into the source. */
  public void backup(int seed) throws IOException {
    Cards.apkovl(card.resolve(HOST + ".apkovl.tar.gz"), HOST, seed);
    Cli.Result r = Cli.run("backup", "--repo", source(), "--source", card.toString());
    assertThat(r.exitCode()).as(r.toString()).isZero();
  }

  /** The visible versions of {@code repo} (no hidden staging entries), oldest first. */
  public static List<Path> versions(String repo) throws IOException {
    try (Stream<Path> s = Files.list(versionsDir(repo))) {
      return s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
    }
  }

  /** The ids of {@link #versions(String)}. */
  public static List<String> ids(String repo) throws IOException {
    return versions(repo).stream().map(TwoBtrfsRepositories::id).toList();
  }

  /** Every entry of {@code repo}'s versions directory, hidden ones included, sorted by name. */
  public static List<String> entries(String repo) throws IOException {
    try (Stream<Path> s = Files.list(versionsDir(repo))) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  public static Path versionsDir(String repo) {
    return Path.of(repo, "hosts", HOST, "versions");
  }

  public static String id(Path version) {
    return version.getFileName().toString();
  }

  /** One field of {@code btrfs subvolume show} (e.g. "UUID", "Received UUID", "Flags"). */
  public static String field(Path subvolume, String name) throws IOException {
    String show = Commands.check(null, "btrfs", "subvolume", "show", subvolume.toString());
    return show.lines()
        .map(String::strip)
        .filter(l -> l.startsWith(name + ":"))
        .map(l -> l.substring(name.length() + 1).strip())
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + name + " in btrfs subvolume show " + show));
  }

  /**
   * The target's copy of version {@code id} is what btrbk calls a good receive of the source's:
   * read-only, its received UUID the source subvolume's UUID; and its files match its SHA256SUMS by
   * {@code sha256sum --strict -c}.
   */
  public void assertReceived(String id) throws IOException {
    Path there = versionsDir(target()).resolve(id);
    Path here = versionsDir(source()).resolve(id);
    assertThat(field(there, "Flags")).as(id).contains("readonly");
    assertThat(field(there, "Received UUID")).as(id).isEqualTo(field(here, "UUID"));
    Commands.check(there, "sha256sum", "--strict", "-c", "SHA256SUMS");
  }

  /**
   * The target works as a repository of its own: {@code list} shows {@code count} versions, {@code
   * verify} passes, {@code show latest} reads the newest, {@code diff --stat} finds the two newest
   * different (each {@link #backup} changed the apkovl), and {@code recover} writes an image (at
   * {@code image}) that {@code inspect} accepts.
   */
  public void assertTargetStandsAlone(int count, Path image) {
    Cli.Result list = Cli.run("list", "--repo", target());
    assertThat(list.out().lines().filter(l -> l.startsWith("2")))
        .as(list.toString())
        .hasSize(count);
    Cli.Result verify = Cli.run("verify", "--repo", target());
    assertThat(verify.exitCode()).as(verify.toString()).isZero();
    Cli.Result show = Cli.run("show", "--repo", target(), "latest");
    assertThat(show.exitCode()).as(show.toString()).isZero();
    if (count >= 2) {
      Cli.Result diff = Cli.run("diff", "--repo", target(), "--stat");
      assertThat(diff.exitCode()).as("diff's 'different' status: " + diff).isEqualTo(1);
      assertThat(diff.out()).as(diff.toString()).contains(HOST + ".apkovl.tar.gz");
    }
    Cli.Result recover = Cli.run("recover", "--repo", target(), "--to", image.toString(), "--yes");
    assertThat(recover.exitCode()).as(recover.toString()).isZero();
    Cli.Result inspect = Cli.run("inspect", image.toString());
    assertThat(inspect.exitCode()).as(inspect.toString()).isZero();
  }
}
