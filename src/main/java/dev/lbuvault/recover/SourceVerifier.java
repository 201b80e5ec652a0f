package dev.lbuvault.recover;

import dev.lbuvault.fs.Sha256;
import dev.lbuvault.repo.ChecksumManifest;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.StoredVersion;
import dev.lbuvault.repo.VersionMetadata;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongConsumer;
import java.util.regex.Pattern;

/**
 * Checks the repository side of a recovery: every file the plan takes from the version is read,
 * hashed and compared with the version's {@code SHA256SUMS} (itself checked against {@code
 * version.json}) and with its planned size, before anything is written. A damaged file is named
 * together with the newest other version that holds it intact, so the user can recover from that
 * one at once. Files from an Alpine release tarball have no recorded hash; the read-back covers
 * them.
 */
public final class SourceVerifier {
  private static final String CARD_PREFIX = StoredVersion.CARD_DIR + "/";
  private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9/._+:,=@%-]+");
  private static final int BUFFER = 1 << 16;

  private final Repository repository;

  public SourceVerifier(Repository repository) {
    this.repository = repository;
  }

  /**
   * Reads and hashes every version file of the plan.
   *
   * @throws SourceDamagedException naming the first damaged file; nothing has been written
   */
  public VerifiedSource check(RecoveryPlan plan, Progress progress)
      throws IOException, SourceDamagedException {
    Map<String, String> sums = trustedSums(plan);
    requireListedFilesPresent(plan, sums);
    Map<String, String> expected = new HashMap<>();
    long total =
        plan.content().items().stream()
            .filter(i -> !i.fromRelease())
            .mapToLong(CardItem::size)
            .sum();
    progress.start("checking", total);
    long[] done = {0};
    for (CardItem item : plan.content().items()) {
      if (item.fromRelease()) {
        continue;
      }
      String want = sums.get(CARD_PREFIX + item.path());
      if (want == null) {
        throw damaged(plan, item.path(), "it is not listed in SHA256SUMS", "nothing was written");
      }
      expected.put(item.path(), want);
      try (HashingInputStream in =
          new HashingInputStream(Files.newInputStream(item.versionFile()))) {
        drain(in, n -> progress.update(done[0] += n));
        requireIntact(plan, item, want, in, "nothing was written");
      }
    }
    progress.finish();
    return new VerifiedSource(this, plan, expected);
  }

  /**
   * Explains a file that failed to parse (the apkovl): if it does not match SHA256SUMS, the
   * repository is damaged and that is what the user must hear, with the version to use instead.
   *
   * @throws SourceDamagedException if the file differs from its SHA256SUMS line
   */
  void requireMatchesSums(StoredVersion version, RecoverRequest req, String path)
      throws SourceDamagedException {
    if (!holdsIntact(version, path)) {
      throw damaged(
          version,
          req,
          path,
          "it does not match its SHA256SUMS line (or the list itself is damaged)",
          "nothing was written");
    }
  }

  void requireIntact(
      RecoveryPlan plan, CardItem item, String expected, HashingInputStream read, String stage)
      throws SourceDamagedException {
    if (read.count() != item.size()) {
      throw damaged(
          plan,
          item.path(),
          "it holds " + read.count() + " bytes, not the " + item.size() + " planned",
          stage);
    }
    String actual = read.sha256();
    if (!actual.equals(expected)) {
      throw damaged(
          plan,
          item.path(),
          "its SHA-256 is " + actual + ", SHA256SUMS records " + expected,
          stage);
    }
  }

  /** The version's SHA256SUMS by path, after checking it against version.json where possible. */
  private Map<String, String> trustedSums(RecoveryPlan plan)
      throws IOException, SourceDamagedException {
    StoredVersion version = plan.version();
    Optional<Map<String, String>> sums = readTrusted(version);
    if (sums.isEmpty()) {
      throw new SourceDamagedException(
          version.sums()
              + " is missing, unreadable or does not match the checksum version.json records;"
              + " run lbuvault verify, and recover another version; nothing was written");
    }
    return sums.get();
  }

  /**
   * A version's SHA256SUMS if it exists, parses and matches version.json (when that is readable).
   */
  private static Optional<Map<String, String>> readTrusted(StoredVersion version) {
    try {
      byte[] bytes = Files.readAllBytes(version.sums());
      Optional<String> recorded = recordedSumsHash(version);
      if (recorded.isPresent() && !recorded.get().equals(Sha256.of(bytes))) {
        return Optional.empty();
      }
      String text = new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
      return Optional.of(ChecksumManifest.parse(text, version.sums().toString()).byPath());
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static Optional<String> recordedSumsHash(StoredVersion version) {
    try {
      return Optional.of(VersionMetadata.read(version.metadata()).sumsSha256());
    } catch (IOException | RuntimeException e) {
      // A damaged version.json is reported by plan() and verify; the sums still get checked.
      return Optional.empty();
    }
  }

  /**
   * A file listed in SHA256SUMS but gone from the version would otherwise simply be left off the
   * card (the plan is built from what is on disk), and the read-back would still say OK.
   */
  private void requireListedFilesPresent(RecoveryPlan plan, Map<String, String> sums)
      throws SourceDamagedException {
    for (String listed : sums.keySet()) {
      if (listed.startsWith(CARD_PREFIX)
          && !Files.exists(plan.version().dir().resolve(listed), LinkOption.NOFOLLOW_LINKS)) {
        throw damaged(
            plan,
            listed.substring(CARD_PREFIX.length()),
            "it is listed in SHA256SUMS but missing from the version",
            "nothing was written");
      }
    }
  }

  private SourceDamagedException damaged(
      RecoveryPlan plan, String path, String reason, String stage) {
    return damaged(plan.version(), plan.request(), path, reason, stage);
  }

  private SourceDamagedException damaged(
      StoredVersion version, RecoverRequest req, String path, String reason, String stage) {
    String where =
        "card/" + path + " of version " + version.id() + " (host " + version.host() + ")";
    Optional<StoredVersion> intact = newestIntact(version, path);
    String next =
        intact
            .map(
                v ->
                    "version "
                        + v.id()
                        + " holds it intact: "
                        + commandFor(req, version.host(), v.id().value()))
            .orElse(
                "no other version holds it intact: run lbuvault backup to store a fresh copy from"
                    + " the card, or recover with --alpine-release if it is an Alpine file");
    return new SourceDamagedException(
        where + " is damaged in the repository: " + reason + "; " + next + "; " + stage);
  }

  /** The newest other version whose copy of {@code path} matches its own SHA256SUMS. */
  private Optional<StoredVersion> newestIntact(StoredVersion damaged, String path) {
    List<StoredVersion> all;
    try {
      all = new ArrayList<>(repository.versions(damaged.host()));
    } catch (IOException e) {
      return Optional.empty();
    }
    Collections.reverse(all);
    for (StoredVersion v : all) {
      if (!v.id().equals(damaged.id()) && holdsIntact(v, path)) {
        return Optional.of(v);
      }
    }
    return Optional.empty();
  }

  private static boolean holdsIntact(StoredVersion version, String path) {
    Optional<Map<String, String>> sums = readTrusted(version);
    String want = sums.map(s -> s.get(CARD_PREFIX + path)).orElse(null);
    Path file = version.card().resolve(path);
    if (want == null || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    try (HashingInputStream in = new HashingInputStream(Files.newInputStream(file))) {
      drain(in, n -> {});
      return in.sha256().equals(want);
    } catch (IOException e) {
      return false;
    }
  }

  /** The command that recovers {@code versionId} with the same options as this plan. */
  static String commandFor(RecoverRequest req, String host, String versionId) {
    List<String> args = new ArrayList<>(List.of("lbuvault", "recover"));
    args.addAll(List.of("--repo", req.repo().toString(), "--host", host));
    args.addAll(List.of("--to", req.target().toString()));
    req.sizeBytes().ifPresent(s -> args.addAll(List.of("--size", Long.toString(s))));
    req.alpineRelease().ifPresent(r -> args.addAll(List.of("--alpine-release", r.toString())));
    req.apkovl().ifPresent(a -> args.addAll(List.of("--apkovl", a)));
    req.volumeId().ifPresent(v -> args.addAll(List.of("--volume-id", v)));
    req.label().ifPresent(l -> args.addAll(List.of("--label", l)));
    args.addAll(List.of("--version", versionId));
    List<String> quoted = new ArrayList<>();
    for (String a : args) {
      quoted.add(SHELL_SAFE.matcher(a).matches() ? a : "'" + a.replace("'", "'\\''") + "'");
    }
    return String.join(" ", quoted);
  }

  /** Reads to the end for the hash only, reporting each chunk's length. */
  private static void drain(InputStream in, LongConsumer read) throws IOException {
    byte[] buffer = new byte[BUFFER];
    int n;
    while ((n = in.read(buffer, 0, buffer.length)) >= 0) {
      read.accept(n);
    }
  }
}
