package dev.lbuvault.torture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.image.BlockSink;
import dev.lbuvault.image.FatFile;
import dev.lbuvault.image.FatLayout;
import dev.lbuvault.image.FatSpec;
import dev.lbuvault.image.FatWriter;
import dev.lbuvault.testing.CliProcess;
import dev.lbuvault.testing.Commands;
import dev.lbuvault.testing.Tools;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 11, hostile inputs: damaged card filesystems. Images made by mkfs.fat + mcopy (FAT12,
 * 16, 32) and by our own FatWriter are damaged in every class {@code fsck.fat} repairs (chains that
 * loop, cross-link, leave the volume or meet free or bad clusters, sizes that disagree with chains,
 * a directory looping back to the root, a directory chain looping on itself, FAT copies that
 * differ, lost clusters, dirty flags, FSInfo nonsense, a broken boot signature, a boot sector that
 * claims a volume far larger than the image) plus random byte mutations of the FAT and directory
 * areas. Every image is inspected in one child JVM with a 64 MiB heap: inspect must never throw,
 * and wherever {@code fsck.fat -n} finds damage it must report a problem the undamaged image did
 * not have (so {@code lbuvault inspect} exits 4).
 */
class HostileImagesTest {
  private static final int RANDOM = Torture.trials("hostileImagesRandom", 25, 250);
  private static final String CHECKED =
      "each damaged image inspected in a child JVM with -Xmx64m: never an exception or"
          + " out-of-memory; every image fsck.fat -n would repair reported with a problem the"
          + " undamaged image lacks (exit 4); the named classes reported whatever fsck.fat says;"
          + " peak heap below 64 MiB";
  private static final FileTime T = FileTime.from(Instant.parse("2024-04-04T04:04:04Z"));
  private static final String BIG = "BIG     BIN";
  private static final String SMALL = "SMALL   TXT";
  private static final String SUB = "SUB        ";
  private static final String INNER = "INNER      ";

  @TempDir Path tmp;

  /** One damage: applied to a copy of a base image. */
  private interface Damage {
    void apply(FatImage f) throws IOException;
  }

  @Test
  void everyDamagedImageIsReportedNotGoodAndNoneCrashesInspect() throws Exception {
    Path fsck = Tools.require("fsck.fat");
    try (Torture.Scenario s =
        Torture.scenario("11. hostile inputs: damaged card images", "inspect, -Xmx64m", CHECKED)) {
      Path cases = Files.createDirectories(tmp.resolve("cases"));
      Map<String, String> baseOf = new HashMap<>();
      Map<String, Boolean> targeted = new HashMap<>();
      for (String kind : List.of("mkfs32", "mkfs16", "mkfs12", "fatwriter")) {
        Path base = base(kind);
        assertThat(fsckExit(fsck, base)).as(kind + " base is clean").isZero();
        copy(base, cases.resolve(kind + "-0-base.img"));
        baseOf.put(kind + "-0-base.img", kind + "-0-base.img");
        for (Map.Entry<String, Damage> d : damages(kind).entrySet()) {
          String name = kind + "-1-" + d.getKey() + ".img";
          Path image = copy(base, cases.resolve(name));
          try (FatImage f = new FatImage(image)) {
            d.getValue().apply(f);
          }
          baseOf.put(name, kind + "-0-base.img");
          targeted.put(name, true);
        }
        SplittableRandom random = new SplittableRandom(kind.hashCode() * 31L);
        for (int i = 0; i < RANDOM; i++) {
          String name = kind + "-2-random-" + i + ".img";
          Path image = copy(base, cases.resolve(name));
          mutateRandomly(image, random);
          baseOf.put(name, kind + "-0-base.img");
        }
      }
      Map<String, Integer> fsckExits = new HashMap<>();
      for (String name : baseOf.keySet()) {
        fsckExits.put(name, fsckExit(fsck, cases.resolve(name)));
      }

      Map<String, List<String>> reports = inspectInChildJvm(cases, s);
      int damaged = 0;
      for (String name : baseOf.keySet()) {
        List<String> problems = new ArrayList<>(reports.get(name));
        problems.removeAll(reports.get(baseOf.get(name)));
        boolean fsckDamaged = fsckExits.get(name) != 0;
        if (fsckDamaged || targeted.containsKey(name)) {
          damaged++;
          assertThat(problems)
              .as(name + " (fsck.fat -n exit " + fsckExits.get(name) + ") must be reported")
              .isNotEmpty();
        }
      }
      s.note(reports.size() + " images, " + damaged + " damaged per fsck.fat or by construction");
      s.passed();
    }
  }

  private Map<String, List<String>> inspectInChildJvm(Path cases, Torture.Scenario s)
      throws Exception {
    Path log = tmp.resolve("inspect.log");
    Process child =
        CliProcess.startCommand(
            log,
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m",
                "-cp",
                System.getProperty("java.class.path"),
                InspectManyInChildJvm.class.getName(),
                cases.toString()));
    assertThat(child.waitFor(20, TimeUnit.MINUTES)).as("inspect ends: no endless loop").isTrue();
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(child.exitValue()).as(output).isZero();
    Map<String, List<String>> reports = new LinkedHashMap<>();
    long peak = -1;
    for (String line : output.lines().toList()) {
      String[] f = line.split("\t", 3);
      if (f[0].equals("PEAK")) {
        peak = Long.parseLong(f[1]);
        continue;
      }
      assertThat(f[0]).as("inspect must not throw: " + line).isEqualTo("REPORT");
      reports.put(f[1], f.length < 3 || f[2].isEmpty() ? List.of() : List.of(f[2].split("\u001f")));
      s.trial();
    }
    assertThat(peak).as("peak heap of the child").isPositive().isLessThan(64L << 20);
    s.note("peak heap " + (peak >> 20) + " MiB");
    return reports;
  }

  /** The named damage classes, each built on the base's files BIG.BIN, SMALL.TXT, SUB/INNER. */
  private static Map<String, Damage> damages(String kind) {
    Map<String, Damage> d = new LinkedHashMap<>();
    d.put("chain-loops", f -> loopChain(f));
    d.put("cross-linked", f -> f.setStart(f.entry(f.root(), SMALL), bigChain(f).get(1)));
    d.put("chain-out-of-range", f -> f.setBoth(bigChain(f).get(1), f.boot.clusterCount() + 9));
    d.put("chain-meets-free", f -> f.setBoth(bigChain(f).get(1), 0));
    d.put("chain-meets-bad", f -> f.setBoth(bigChain(f).get(1), f.bad()));
    d.put(
        "start-out-of-range",
        f -> f.setStart(f.entry(f.root(), SMALL), f.boot.clusterCount() + 100));
    d.put("size-beyond-chain", f -> grow(f, 3));
    d.put("size-below-chain", f -> f.setSize(f.entry(f.root(), BIG), 1));
    d.put("dir-loops-to-root", f -> innerToRoot(f));
    d.put("dir-chain-loops", f -> dirChainLoop(f));
    d.put("fat-copies-differ", f -> f.set(1, bigChain(f).get(0), 0));
    d.put("lost-cluster", f -> f.setBoth(f.boot.clusterCount() + 1, f.eoc()));
    d.put("dirty", f -> dirty(f));
    d.put("boot-signature", f -> f.write(0x1FE, new byte[] {0, 0}));
    d.put("claims-huge-volume", f -> claimHugeVolume(f));
    if (!kind.equals("mkfs12") && !kind.equals("mkfs16")) {
      d.put("fsinfo-free-count", f -> f.write(512 + 488, new byte[] {1, 2, 0, 0}));
      d.put("fsinfo-signature", f -> f.write(512, new byte[] {0, 0, 0, 0}));
    }
    return d;
  }

  private static List<Long> bigChain(FatImage f) throws IOException {
    List<Long> chain = f.chain(f.start(f.entry(f.root(), BIG)));
    assertThat(chain).as("BIG.BIN spans clusters").hasSizeGreaterThan(3);
    return chain;
  }

  private static void loopChain(FatImage f) throws IOException {
    List<Long> chain = bigChain(f);
    f.setBoth(chain.get(2), chain.get(0));
  }

  private static void grow(FatImage f, int clusters) throws IOException {
    long e = f.entry(f.root(), BIG);
    f.setSize(e, f.size(e) + clusters * f.boot.clusterBytes());
  }

  private static void innerToRoot(FatImage f) throws IOException {
    long sub = f.start(f.entry(f.root(), SUB));
    f.setStart(f.entry(sub, INNER), f.root());
  }

  private static void dirChainLoop(FatImage f) throws IOException {
    long sub = f.start(f.entry(f.root(), SUB));
    f.setBoth(sub, sub);
  }

  private static void claimHugeVolume(FatImage f) throws IOException {
    f.write(0x13, new byte[] {0, 0});
    f.write(0x20, new byte[] {0, 0, 0, (byte) 0x7F});
  }

  private static void dirty(FatImage f) throws IOException {
    int state = (f.boot.fatBits() == 32 ? 0x40 : 0x24) + 1;
    f.write(state, new byte[] {1});
  }

  /** 1 to 3 random bytes in the first FAT's used part or in a directory's first sector. */
  private static void mutateRandomly(Path image, SplittableRandom random) throws IOException {
    try (FatImage f = new FatImage(image)) {
      List<Long> dirs = new ArrayList<>();
      dirs.add(f.boot.fatBits() == 32 ? f.boot.clusterOffset(f.root()) : f.boot.rootDirOffset());
      long sub = f.start(f.entry(f.root(), SUB));
      dirs.add(f.boot.clusterOffset(sub));
      dirs.add(f.boot.clusterOffset(f.start(f.entry(sub, INNER))));
      int n = 1 + random.nextInt(3);
      for (int i = 0; i < n; i++) {
        long at =
            random.nextBoolean()
                ? f.boot.fatOffset() + random.nextInt(256)
                : dirs.get(random.nextInt(dirs.size())) + random.nextInt(256);
        f.write(at, new byte[] {(byte) random.nextInt(256)});
      }
    }
  }

  // ---- base images ----

  private Path base(String kind) throws Exception {
    return kind.equals("fatwriter") ? fatWriterBase() : mkfsBase(kind.substring(4));
  }

  private Path mkfsBase(String bits) throws Exception {
    Path mkfs = Tools.require("mkfs.fat");
    Tools.require("mcopy");
    Path image = tmp.resolve("base-mkfs" + bits + ".img");
    String kib = bits.equals("32") ? "40000" : bits.equals("16") ? "16000" : "3000";
    Commands.check(null, mkfs.toString(), "-C", "-F", bits, "-n", "HOSTILE", image.toString(), kib);
    Path src = Files.createDirectories(tmp.resolve("src" + bits));
    Files.write(src.resolve("BIG.BIN"), new byte[40_000]);
    Files.writeString(src.resolve("SMALL.TXT"), "small");
    Files.createDirectories(src.resolve("SUB/INNER"));
    Files.writeString(src.resolve("SUB/INNER/X.TXT"), "x");
    for (String name : List.of("BIG.BIN", "SMALL.TXT", "SUB")) {
      Commands.check(
          null,
          "env",
          "MTOOLS_SKIP_CHECK=1",
          "mcopy",
          "-s",
          "-i",
          image.toString(),
          src.resolve(name).toString(),
          "::");
    }
    return image;
  }

  private Path fatWriterBase() throws Exception {
    List<FatFile> files =
        List.of(
            new FatFile("BIG.BIN", 40_000, T),
            new FatFile("SMALL.TXT", 5, T),
            new FatFile("SUB/INNER/X.TXT", 1, T));
    FatLayout layout = FatLayout.plan(new FatSpec(files, 40L << 20, 0x11, "HOSTILE"));
    Path image = tmp.resolve("base-fatwriter.img");
    try (RandomAccessFile raf = new RandomAccessFile(image.toFile(), "rw")) {
      raf.setLength(layout.partitionBytes());
    }
    try (FileChannel ch = FileChannel.open(image, StandardOpenOption.WRITE)) {
      FatWriter w = new FatWriter(layout, BlockSink.of(ch), 0);
      w.writeStructures();
      for (FatFile f : files) {
        w.writeFile(f.path(), new ByteArrayInputStream(new byte[(int) f.size()]));
      }
      w.finish();
    }
    return image;
  }

  private static Path copy(Path from, Path to) throws IOException {
    Commands.check(null, "cp", "--sparse=always", from.toString(), to.toString());
    return to;
  }

  private static int fsckExit(Path fsck, Path image) throws IOException {
    return Commands.run(null, List.of(fsck.toString(), "-n", image.toString())).exitCode();
  }
}
