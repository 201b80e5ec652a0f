package dev.lbuvault.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.json.Json;
import dev.lbuvault.json.JsonException;
import dev.lbuvault.testing.CardImages;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Cli.Result;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovered cards judged by the code an Alpine host runs at boot: Debian's Linux kernel, booted
 * under QEMU, parses the MBR and mounts partition 1 with its vfat driver, and must read every file
 * of the version byte for byte and every directory of the card, empty ones included. mtools and
 * fsck.fat (the other tests' judges) are userspace reimplementations of FAT; this is the real
 * reader. One boot judges three images, one per cluster size.
 */
class KernelJudgesCardTest {
  /**
   * One recovered image: its --size (mkfs.fat's cluster size for it, which lbuvault follows), and
   * the volume id and label it gets (null: recover's defaults, the id from the apkovl's etc/fstab).
   */
  private record Target(String size, int clusterBytes, String volumeId, String label) {}

  private static final List<Target> TARGETS =
      List.of(
          new Target("100M", 512, null, null),
          new Target("300M", 4096, "0C1A-0004", "CARD4K"),
          new Target("9G", 8192, "0C1A-0008", "CARD8K"));

  private static final String FSTAB_VOLUME_ID = "1A2B-3C4D";
  private static final String DEFAULT_LABEL = "PIBOOT";

  /** make-card's apkovl (host rpi), and the directory holding its {@code .boot_repository}. */
  private static final String APKOVL = "rpi.apkovl.tar.gz";

  private static final String BOOT_REPOSITORY = "apks";

  /** The kernel warns that iocharset=utf8 makes vfat case-sensitive: expected, not a defect. */
  private static final String UTF8_CHARSET_WARNING = "utf8 is not a recommended IO charset";

  private static final int SECTORS_PER_CLUSTER_OFFSET = 13;

  @TempDir Path tmp;

  @Test
  void theKernelReadsEveryFileAndDirectoryOfTheVersionOnCardsOfThreeClusterSizes()
      throws Exception {
    Path card = Cards.make(tmp.resolve("card"));
    addAwkwardEntries(card);
    String repo = tmp.resolve("repo").toString();
    assertThat(Cli.run("init", "--repo", repo).exitCode()).isZero();
    Result backup = Cli.run("backup", "--repo", repo, "--source", card.toString());
    assertThat(backup.exitCode()).as(backup.toString()).isZero();
    Path version = newestVersion(Path.of(repo, "hosts/rpi/versions"));
    Map<String, String> wantFiles = sha256Sums(version.resolve("SHA256SUMS"));
    // Versions record every directory, empty ones included (issue 8, point 6): the guest's list
    // is compared with the version's, which must be the card's.
    Set<String> wantDirs = recordedDirectories(version.resolve("version.json"));
    assertThat(wantDirs).as("the version's directories").isEqualTo(allDirectories(card));
    // The judge would prove nothing if the awkward entries had not reached the version.
    assertThat(wantFiles)
        .containsKeys(
            APKOVL,
            BOOT_REPOSITORY + "/.boot_repository",
            "LONGFI~1.TXT",
            "notes/Meeting notes 2025-01-12.txt",
            "🎉 party.txt",
            "sizes/empty.bin",
            "sizes/c8192.bin");
    assertThat(wantDirs)
        .contains("a/b/c/d/e/f/g/h", "überordner", "spool", "outer/inner", "überordner/leer ü");

    List<Path> images = new ArrayList<>();
    // What busybox's findfs (the volume_id code behind fstab's UUID= in busybox mount) must find.
    Map<String, String> wantFound = new TreeMap<>();
    for (Target t : TARGETS) {
      Path image = tmp.resolve("card-" + t.size() + ".img");
      List<String> args =
          new ArrayList<>(List.of("recover", "--repo", repo, "--to", image.toString()));
      args.addAll(List.of("--size", t.size()));
      if (t.volumeId() != null) {
        args.addAll(List.of("--volume-id", t.volumeId(), "--label", t.label()));
      }
      Result r = Cli.run(args.toArray(String[]::new));
      assertThat(r.exitCode()).as(r.toString()).isZero();
      assertThat(clusterBytes(image)).as(image + ": bytes per cluster").isEqualTo(t.clusterBytes());
      String device = "/dev/vd" + (char) ('a' + images.size()) + "1";
      wantFound.put("UUID=" + (t.volumeId() == null ? FSTAB_VOLUME_ID : t.volumeId()), device);
      wantFound.put("LABEL=" + (t.label() == null ? DEFAULT_LABEL : t.label()), device);
      images.add(image);
    }

    long prepareStart = System.nanoTime();
    KernelGuest guest = KernelGuest.prepare(Files.createDirectories(tmp.resolve("guest")));
    long prepareMillis = (System.nanoTime() - prepareStart) / 1_000_000;
    KernelGuest.Boot boot = guest.boot(images, List.copyOf(wantFound.keySet()), tmp);
    System.err.printf(
        "KernelJudgesCardTest: kernel and initramfs ready in %d ms; %s judged %d images in %d ms%n",
        prepareMillis, guest.kernelPackage(), images.size(), boot.elapsed().toMillis());

    GuestReport report = boot.report();
    String context = "guest console tail:\n" + boot.consoleTail();
    assertThat(report.complete()).as(context).isTrue();
    assertThat(report.kernelMessages()).as(context).allMatch(m -> m.contains(UTF8_CHARSET_WARNING));
    assertThat(report.disks()).as(context).hasSize(images.size());
    assertThat(report.nlplug()).as("nlplug-findfs runs; " + context).hasSize(images.size());
    assertThat(report.found()).as("findfs in the guest").isEqualTo(wantFound);
    SoftAssertions soft = new SoftAssertions();
    int i = 0;
    for (Map.Entry<String, GuestReport.Disk> entry : report.disks().entrySet()) {
      GuestReport.Disk disk = entry.getValue();
      Path image = images.get(i);
      String what =
          image.getFileName() + " (" + TARGETS.get(i++).clusterBytes() + "-byte clusters)";
      soft.assertThat(disk.errors()).as(what + ": guest errors").isEmpty();
      soft.assertThat(disk.startSector()).as(what + ": partition 1 start").isEqualTo(8192L);
      soft.assertThat(disk.sectors() * 512 + CardImages.PARTITION_OFFSET)
          .as(what + ": partition 1 ends at the image's end")
          .isEqualTo(Files.size(image));
      soft.assertThat(disk.sha256()).as(what + ": files and SHA-256").isEqualTo(wantFiles);
      soft.assertThat(disk.directories()).as(what + ": directories").isEqualTo(wantDirs);
      assertAlpineFindsBootMedia(soft, report, what, entry.getKey(), context);
    }
    soft.assertAll();
  }

  /**
   * mkinitfs's nlplug-findfs, run in the guest as Alpine's initramfs-init runs it with {@code disk}
   * the only disk, must find the card's boot media: exit 0, exactly one apkovl (the version's) and
   * the boot repository, both on partition 1, which it mounted at {@code /media/<device>1}.
   */
  private static void assertAlpineFindsBootMedia(
      SoftAssertions soft, GuestReport report, String what, String disk, String context) {
    GuestReport.Nlplug run = report.nlplug().get(disk);
    soft.assertThat(run).as(what + ": nlplug-findfs ran with " + disk + " alone").isNotNull();
    if (run == null) {
      return;
    }
    String media = "/media/" + run.device() + "1/";
    soft.assertThat(run.exitCode()).as(what + ": nlplug-findfs exit code; " + context).isZero();
    soft.assertThat(run.apkovls())
        .as(what + ": the apkovls nlplug-findfs found; " + context)
        .containsExactly(media + APKOVL);
    soft.assertThat(run.repositories())
        .as(what + ": the boot repositories nlplug-findfs found; " + context)
        .containsExactly(media + BOOT_REPOSITORY);
  }

  /**
   * Names and sizes FAT makes hard: long names, 8.3 collisions (numeric tails past ~9, and a file
   * already named like a generated short name), non-ASCII and non-BMP names, 0-byte files, files of
   * a whole number of clusters and one byte more, a directory spanning many clusters, deep and
   * empty directories.
   */
  private static void addAwkwardEntries(Path card) throws IOException {
    Random random = new Random(8);
    write(card.resolve("A long file name that needs several LFN entries, really.txt"), 100, random);
    write(card.resolve("LongFileName1.txt"), 10, random);
    write(card.resolve("LongFileName2.txt"), 11, random);
    write(card.resolve("LONGFI~1.TXT"), 12, random);
    write(card.resolve("readme.txt"), 13, random);
    write(card.resolve("Mixed.Case.Name.tar.gz"), 14, random);
    write(card.resolve("x+y=z;[1],v.txt"), 15, random);
    write(card.resolve("name with spaces.txt"), 16, random);
    write(card.resolve(".hidden"), 17, random);
    write(card.resolve("Grüße.txt"), 18, random);
    write(card.resolve("café-☕.txt"), 19, random);
    write(card.resolve("日本語のファイル.txt"), 20, random);
    write(card.resolve("🎉 party.txt"), 21, random);
    for (int day = 1; day <= 40; day++) {
      write(card.resolve(String.format("notes/Meeting notes 2025-01-%02d.txt", day)), day, random);
    }
    for (int size : new int[] {0, 1, 511, 512, 513, 4096, 8192, 8193, 32768, 65536}) {
      String name = size == 0 ? "empty.bin" : "c" + size + ".bin";
      write(card.resolve("sizes").resolve(name), size, random);
    }
    write(card.resolve("a/b/c/d/e/f/g/h/deep.txt"), 22, random);
    Files.createDirectories(card.resolve("spool"));
    Files.createDirectories(card.resolve("outer/inner"));
    Files.createDirectories(card.resolve("überordner/leer ü"));
    write(card.resolve("überordner/Datei.txt"), 23, random);
  }

  private static void write(Path file, int size, Random random) throws IOException {
    Files.createDirectories(file.getParent());
    byte[] bytes = new byte[size];
    random.nextBytes(bytes);
    Files.write(file, bytes);
  }

  private static Path newestVersion(Path versions) throws IOException {
    try (Stream<Path> s = Files.list(versions)) {
      return s.sorted().reduce((a, b) -> b).orElseThrow();
    }
  }

  /** The version's SHA256SUMS ({@code HASH card/PATH} lines) as PATH to HASH. */
  private static Map<String, String> sha256Sums(Path sums) throws IOException {
    Map<String, String> map = new TreeMap<>();
    for (String line : Files.readAllLines(sums)) {
      assertThat(line).as("a SHA256SUMS line").matches("[0-9a-f]{64}  card/.+");
      map.put(line.substring(71), line.substring(0, 64));
    }
    return map;
  }

  /** The version's directory list: version.json's {@code directories}. */
  private static Set<String> recordedDirectories(Path versionJson)
      throws IOException, JsonException {
    Map<?, ?> json = (Map<?, ?>) Json.parse(Files.readString(versionJson));
    assertThat(json.get("directories")).as(versionJson + ": directories").isInstanceOf(List.class);
    Set<String> dirs = new TreeSet<>();
    for (Object d : (List<?>) json.get("directories")) {
      dirs.add((String) d);
    }
    return dirs;
  }

  /** Every directory below the card's root, empty ones included, as a relative path. */
  private static Set<String> allDirectories(Path card) throws IOException {
    try (Stream<Path> s = Files.walk(card)) {
      Set<String> dirs = new TreeSet<>();
      s.filter(d -> Files.isDirectory(d) && !d.equals(card))
          .forEach(d -> dirs.add(card.relativize(d).toString()));
      return dirs;
    }
  }

  /** Bytes per cluster from partition 1's boot sector (BPB field at byte 13, times 512). */
  private static int clusterBytes(Path image) throws IOException {
    try (FileChannel ch = FileChannel.open(image)) {
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, CardImages.PARTITION_OFFSET + SECTORS_PER_CLUSTER_OFFSET);
      return Byte.toUnsignedInt(b.get(0)) * 512;
    }
  }
}
