package dev.lbuvault.torture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.archive.ApkovlValidator;
import dev.lbuvault.cli.ExitCodes;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 5: an {@code lbu commit} in progress while backups run back to back. A writer thread
 * does what lbu does on the card, over and over: writes {@code rpi.apkovl.tar.gz.new} slowly (a
 * growing file), sometimes renames the current apkovl to a rotated name ({@code
 * rpi.YYYYMMDDHHMMSS.tar.gz}, as {@code BACKUP_LIMIT} does) and drops the oldest rotated copy, then
 * renames the {@code .new} over the apkovl. One commit in four is hostile and rewrites the apkovl
 * in place instead. Every stored apkovl (and rotated copy) must be one of the complete ones the
 * writer produced; once the card is quiet, the next backup stores the final apkovl.
 */
class LbuCommitInProgressTest {
  private static final int SECONDS = Torture.trials("lbuCommitSeconds", 4, 60);
  private static final int APKOVLS = 12;
  private static final DateTimeFormatter ROTATED =
      DateTimeFormatter.ofPattern("uuuuMMddHHmmss").withZone(ZoneOffset.UTC);
  private static final String CHECKED =
      "backups back to back for the given time while a writer grows .new files, renames them over"
          + " the apkovl, rotates copies (and every 4th commit rewrites the apkovl in place);"
          + " each backup exits 0, 5 (busy) or 1 (damaged apkovl, in-place writes only); every"
          + " stored apkovl and rotated copy is byte-identical to a complete one and validates;"
          + " no .new stored; verify exit 0; the backup after the card is quiet stores the final"
          + " apkovl";

  @TempDir Path tmp;

  @Test
  void noHalfWrittenApkovlIsEverStored() throws Exception {
    try (Torture.Scenario s =
        Torture.scenario("5. lbu commit in progress", "plain", CHECKED + " (" + SECONDS + " s)")) {
      Path card = Cards.make(tmp.resolve("card"));
      Path apkovl = card.resolve("rpi.apkovl.tar.gz");
      Random random = new Random(5);
      List<byte[]> complete = new ArrayList<>();
      Set<String> completeSums = new HashSet<>();
      for (int i = 0; i < APKOVLS; i++) {
        byte[] bytes = apkovlBytes(random, i);
        complete.add(bytes);
        completeSums.add(sha256(bytes));
      }
      Files.write(apkovl, complete.get(0));
      completeSums.add(sha256(Files.readAllBytes(apkovl)));
      Path repo = tmp.resolve("repo");
      assertThat(Cli.run("init", "--repo", repo.toString(), "--backend", "plain").exitCode())
          .isZero();

      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger commits = new AtomicInteger();
      CompletableFuture<Void> writer =
          CompletableFuture.runAsync(
              () -> {
                try {
                  commitRepeatedly(card, complete, new Random(55), stop, commits);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      Map<String, Integer> outcomes = new TreeMap<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
      try {
        while (System.nanoTime() < deadline && !writer.isDone()) {
          Cli.Result r = Cli.run("backup", "--repo", repo.toString(), "--source", card.toString());
          String kind = r.exitCode() + " " + firstWord(r);
          outcomes.merge(kind, 1, Integer::sum);
          assertThat(r.exitCode()).as(r.toString()).isIn(0, ExitCodes.FAILURE, ExitCodes.BUSY);
          if (r.exitCode() != 0) {
            Torture.assertCleanMessage(r.err(), "backup during commits");
          }
          if (r.exitCode() == ExitCodes.FAILURE) {
            // Only a hostile in-place write can show lbuvault a damaged apkovl.
            assertThat(r.err()).as(r.toString()).contains("rpi.apkovl.tar.gz");
          }
          s.trial();
        }
      } finally {
        stop.set(true);
        writer.get(1, TimeUnit.MINUTES);
      }

      // The card is quiet now: the next backup must store exactly the final apkovl.
      Cli.Result quiet = Cli.run("backup", "--repo", repo.toString(), "--source", card.toString());
      assertThat(quiet.exitCode()).as(quiet.toString()).isZero();
      List<Path> versions = Torture.versions(repo, "rpi");
      Path newest = versions.get(versions.size() - 1);
      assertThat(Files.readAllBytes(newest.resolve("card/rpi.apkovl.tar.gz")))
          .as("the newest version holds the card's final apkovl")
          .isEqualTo(Files.readAllBytes(apkovl));

      int rotatedChecked = 0;
      for (Path v : versions) {
        try (Stream<Path> files = Files.list(v.resolve("card"))) {
          for (Path f : files.toList()) {
            String name = f.getFileName().toString();
            assertThat(name).as(v + ": no .new is ever stored").doesNotEndWith(".new");
            if (name.endsWith(".tar.gz")) {
              assertThat(completeSums)
                  .as(v + "/" + name + " is one of the complete apkovls")
                  .contains(sha256(Files.readAllBytes(f)));
              new ApkovlValidator().validate(f);
              if (!name.equals("rpi.apkovl.tar.gz")) {
                rotatedChecked++;
              }
            }
          }
        }
      }
      Torture.assertValid(repo, "after the commits");
      s.note(commits.get() + " commits during " + s.trials() + " backups: " + outcomes);
      s.note(versions.size() + " versions stored, " + rotatedChecked + " rotated copies checked");
      assertThat(versions.size()).as("backups during the commits stored versions").isGreaterThan(2);
      assertThat(outcomes.keySet())
          .as("some backups found the card busy")
          .anyMatch(k -> k.startsWith("5"));
      s.passed();
    }
  }

  private static String firstWord(Cli.Result r) {
    String text = r.exitCode() == 0 ? r.out() : r.err().replace("lbuvault: ", "");
    String word = text.strip().split("[ :(]", 2)[0];
    return word.isEmpty() ? "?" : word;
  }

  /** One lbu commit after another until stopped, as described in the class comment. */
  private static void commitRepeatedly(
      Path card, List<byte[]> complete, Random random, AtomicBoolean stop, AtomicInteger commits)
      throws Exception {
    Path apkovl = card.resolve("rpi.apkovl.tar.gz");
    Path fresh = card.resolve("rpi.apkovl.tar.gz.new");
    Instant clock = Instant.parse("2026-01-01T00:00:00Z");
    List<Path> rotated = new ArrayList<>();
    int n = 1;
    while (!stop.get()) {
      byte[] next = complete.get(n++ % complete.size());
      clock = clock.plusSeconds(3600);
      if (n % 4 == 0) {
        // Hostile: rewrite the apkovl in place, with no .new.
        writeSlowly(apkovl, next, random);
      } else {
        writeSlowly(fresh, next, random);
        if (random.nextBoolean() && Files.exists(apkovl)) {
          Path old = card.resolve("rpi." + ROTATED.format(clock) + ".tar.gz");
          Files.setLastModifiedTime(apkovl, FileTime.from(clock));
          Files.move(apkovl, old, StandardCopyOption.ATOMIC_MOVE);
          rotated.add(old);
          if (rotated.size() > 2) {
            Files.delete(rotated.remove(0));
          }
        }
        Files.move(
            fresh, apkovl, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      }
      commits.incrementAndGet();
      // Quiet between commits, long enough for a backup to find the card at rest.
      Thread.sleep(100 + random.nextInt(200));
    }
  }

  /** Writes in small chunks with pauses: a file that grows while backups look at it. */
  private static void writeSlowly(Path file, byte[] bytes, Random random) throws Exception {
    try (OutputStream out =
        Files.newOutputStream(
            file,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      int chunk = 16 << 10;
      for (int off = 0; off < bytes.length; off += chunk) {
        out.write(bytes, off, Math.min(chunk, bytes.length - off));
        out.flush();
        Thread.sleep(random.nextInt(4));
      }
    }
  }

  /** A plausible apkovl with a large incompressible member, so writing it takes a while. */
  private static byte[] apkovlBytes(Random random, int generation) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GzipCompressorOutputStream gz = new GzipCompressorOutputStream(bytes);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
      add(tar, "etc/hostname", "rpi\n".getBytes(StandardCharsets.UTF_8));
      add(tar, "etc/apk/world", "alpine-base\nchrony\n".getBytes(StandardCharsets.UTF_8));
      add(
          tar,
          "etc/fstab",
          "UUID=1A2B-3C4D /media/mmcblk0p1 vfat noauto,ro 0 0\n".getBytes(StandardCharsets.UTF_8));
      add(tar, "etc/motd", ("generation " + generation + "\n").getBytes(StandardCharsets.UTF_8));
      byte[] noise = new byte[(256 + random.nextInt(512)) << 10];
      random.nextBytes(noise);
      add(tar, "etc/ssh/moduli", noise);
    }
    return bytes.toByteArray();
  }

  private static void add(TarArchiveOutputStream tar, String name, byte[] content)
      throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setSize(content.length);
    tar.putArchiveEntry(e);
    tar.write(content);
    tar.closeArchiveEntry();
  }

  static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
