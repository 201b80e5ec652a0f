package dev.lbuvault.recover;

import dev.lbuvault.archive.ApkovlName;
import dev.lbuvault.archive.ApkovlSummary;
import dev.lbuvault.archive.ApkovlValidator;
import dev.lbuvault.archive.InvalidApkovlException;
import dev.lbuvault.boot.BootCheck;
import dev.lbuvault.boot.CardFiles;
import dev.lbuvault.boot.PackageCheck;
import dev.lbuvault.image.FatEntry;
import dev.lbuvault.image.FatReader;
import dev.lbuvault.image.Mbr;
import dev.lbuvault.image.MbrPartition;
import dev.lbuvault.text.OneLine;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a card (image file or device) with lbuvault's own FAT reader and answers "is this card
 * good?": one partition table entry, a FAT filesystem that {@code fsck.fat} would find nothing to
 * repair in, exactly one root file the initramfs takes for an apkovl, that apkovl validating, and
 * the boot check passing. A damaged filesystem is a problem in the report, never an exception: only
 * a target that cannot be opened or read at all throws. Nothing is written.
 */
public final class CardInspector {
  private static final int SECTOR = 512;
  private static final long CONFIG_LIMIT = 1 << 20;

  /** The partition table's verdict: the entries and where the filesystem is read. */
  private record Partitioning(List<MbrPartition> partitions, long offset) {}

  public InspectionReport inspect(Path target) throws IOException {
    try (FileChannel ch = FileChannel.open(target, StandardOpenOption.READ)) {
      List<String> problems = new ArrayList<>();
      Partitioning p = readPartitionTable(ch, problems);
      FatReader fat;
      try {
        fat = FatReader.open(ch, p.offset());
      } catch (IOException e) {
        problems.add("no FAT filesystem at byte " + p.offset() + ": " + e.getMessage());
        return new InspectionReport(
            p.partitions(), p.offset(), null, null, null, List.of(), List.of(), null, problems);
      }
      problems.addAll(checkFilesystem(fat));
      List<FatEntry> entries = listFiles(fat, problems);
      Set<String> paths = filePaths(entries);
      List<String> apkovls = BootCheck.apkovlCandidates(paths);
      List<String> world = checkApkovl(fat, apkovls, problems);
      BootCheck.Result boot =
          BootCheck.check(
              paths,
              readConfigTxt(fat, entries, problems),
              world,
              PackageCheck.load(paths, opener(fat, entries)));
      for (String missing : boot.missingBootFiles()) {
        problems.add("boot: missing " + missing);
      }
      for (String index : boot.packageIndexProblems()) {
        problems.add("boot: " + oneLine(index));
      }
      String id = String.format("%08X", fat.volumeId());
      return new InspectionReport(
          p.partitions(),
          p.offset(),
          fat.fatType(),
          id.substring(0, 4) + "-" + id.substring(4),
          fat.label(),
          entries,
          apkovls,
          boot,
          problems);
    }
  }

  private static Partitioning readPartitionTable(FileChannel ch, List<String> problems)
      throws IOException {
    ByteBuffer sector = ByteBuffer.allocate(SECTOR);
    while (sector.hasRemaining() && ch.read(sector, sector.position()) > 0) {
      // read the first sector
    }
    List<MbrPartition> partitions = List.of();
    try {
      partitions = Mbr.parse(sector.array());
    } catch (IOException e) {
      problems.add("partition table: " + e.getMessage());
    }
    if (partitions.isEmpty()) {
      if (problems.isEmpty()) {
        problems.add("no partition table: reading a bare filesystem at offset 0");
      }
      return new Partitioning(partitions, 0);
    }
    MbrPartition first = partitions.get(0);
    if (partitions.size() > 1) {
      problems.add(partitions.size() + " partitions; a restored card has exactly one");
    }
    if (first.type() != 0x0c && first.type() != 0x0b && first.type() != 0x06) {
      problems.add(
          String.format("partition 1 has type 0x%02x, not FAT (0x0c, 0x0b or 0x06)", first.type()));
    }
    if (!first.bootable()) {
      problems.add("partition 1 is not marked bootable");
    }
    return new Partitioning(partitions, first.startSector() * SECTOR);
  }

  /** What fsck.fat would repair, each prefixed "filesystem: ". */
  private static List<String> checkFilesystem(FatReader fat) {
    List<String> found = new ArrayList<>();
    try {
      for (String damage : fat.check()) {
        found.add("filesystem: " + oneLine(damage));
      }
    } catch (IOException e) {
      found.add("filesystem: cannot be checked: " + oneLine(e.getMessage()));
    }
    return found;
  }

  /** Every file and directory, or none if the tree cannot be read (the problem says why). */
  private static List<FatEntry> listFiles(FatReader fat, List<String> problems) {
    try {
      return fat.list();
    } catch (IOException e) {
      problems.add("filesystem: the directory tree cannot be read: " + oneLine(e.getMessage()));
      return List.of();
    }
  }

  private static Set<String> filePaths(List<FatEntry> entries) {
    Set<String> paths = new HashSet<>();
    for (FatEntry e : entries) {
      if (!e.directory()) {
        paths.add(e.path());
      }
    }
    return paths;
  }

  /**
   * Exactly one root file may match the initramfs's {@code *.apkovl.tar.gz*} (it boots the first it
   * finds), named as lbu names it; a plaintext one must validate. Returns its world packages.
   */
  private static List<String> checkApkovl(
      FatReader fat, List<String> apkovls, List<String> problems) {
    if (apkovls.size() != 1) {
      problems.add(
          apkovls.size()
              + " files at the root match the initramfs's *.apkovl.tar.gz* ("
              + oneLine(String.join(", ", apkovls))
              + "); it boots the first it finds, so keep exactly one");
      return List.of();
    }
    String name = apkovls.get(0);
    if (!ApkovlName.isApkovl(name)) {
      problems.add(
          "the apkovl "
              + oneLine(name)
              + " is not named <host>.apkovl.tar.gz[.<cipher>]: lbu will not manage it");
      return List.of();
    }
    if (ApkovlName.cipherOf(name).isPresent()) {
      return List.of();
    }
    FatEntry apkovl = new FatEntry(name, 0, java.nio.file.attribute.FileTime.fromMillis(0), false);
    try (InputStream in = fat.open(apkovl)) {
      ApkovlSummary s = new ApkovlValidator().validatePlaintext(name, in);
      return s.worldPackages();
    } catch (InvalidApkovlException e) {
      problems.add(oneLine(e.getMessage()));
    } catch (IOException e) {
      problems.add("filesystem: " + oneLine(name) + " cannot be read: " + oneLine(e.getMessage()));
    }
    return List.of();
  }

  /** Opens the card's files through the FAT reader, for the package indexes. */
  private static CardFiles opener(FatReader fat, List<FatEntry> entries) {
    Map<String, FatEntry> byPath = new HashMap<>();
    for (FatEntry e : entries) {
      if (!e.directory()) {
        byPath.put(e.path(), e);
      }
    }
    return path -> byPath.containsKey(path) ? fat.open(byPath.get(path)) : null;
  }

  private static String readConfigTxt(
      FatReader fat, List<FatEntry> entries, List<String> problems) {
    for (FatEntry e : entries) {
      if (!e.directory() && e.path().equalsIgnoreCase("config.txt") && e.size() <= CONFIG_LIMIT) {
        try (InputStream in = fat.open(e)) {
          return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException ex) {
          problems.add("filesystem: config.txt cannot be read: " + oneLine(ex.getMessage()));
          return null;
        }
      }
    }
    return null;
  }

  /** Control characters (a newline in a file name) escaped, so that a problem stays one line. */
  private static String oneLine(String s) {
    return s == null ? "" : OneLine.escape(s);
  }
}
