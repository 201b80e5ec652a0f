package dev.lbuvault.repo;

import dev.lbuvault.json.Json;
import dev.lbuvault.json.JsonException;
import dev.lbuvault.json.JsonObject;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The content of a version's {@code version.json}: when and from where the card was read, what the
 * apkovl was, the card's volume id and label when known, warnings raised while taking it, and the
 * SHA-256 of the version's {@code SHA256SUMS} so that {@code verify} can tell if the list of
 * checksums itself was damaged, and every directory of the card (empty ones included,
 * card-relative, parents first) so that recover can recreate them. {@code directories} is null for
 * versions made before directories were recorded: their directories are the parents of their files.
 */
public record VersionMetadata(
    VersionId id,
    Instant time,
    String host,
    String source,
    String toolVersion,
    long fileCount,
    long totalBytes,
    ApkovlRecord apkovl,
    List<String> apkovls,
    CardVolumeRecord card,
    List<String> warnings,
    String sumsSha256,
    List<String> directories,
    BootRecord boot) {
  public static final int FORMAT_VERSION = 1;

  public VersionMetadata {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(time, "time");
    HostNames.requireValid(host);
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(toolVersion, "toolVersion");
    Objects.requireNonNull(sumsSha256, "sumsSha256");
    if (fileCount < 0 || totalBytes < 0) {
      throw new IllegalArgumentException("file count and size must be >= 0");
    }
    apkovls = List.copyOf(apkovls);
    warnings = List.copyOf(warnings);
    directories = directories == null ? null : List.copyOf(directories);
  }

  /** A version without a boot-readiness record (as versions made before it was computed). */
  public VersionMetadata(
      VersionId id,
      Instant time,
      String host,
      String source,
      String toolVersion,
      long fileCount,
      long totalBytes,
      ApkovlRecord apkovl,
      List<String> apkovls,
      CardVolumeRecord card,
      List<String> warnings,
      String sumsSha256,
      List<String> directories) {
    this(
        id,
        time,
        host,
        source,
        toolVersion,
        fileCount,
        totalBytes,
        apkovl,
        apkovls,
        card,
        warnings,
        sumsSha256,
        directories,
        null);
  }

  /** This version with {@code boot} as its boot-readiness record. */
  public VersionMetadata withBoot(BootRecord boot) {
    return new VersionMetadata(
        id,
        time,
        host,
        source,
        toolVersion,
        fileCount,
        totalBytes,
        apkovl,
        apkovls,
        card,
        warnings,
        sumsSha256,
        directories,
        boot);
  }

  /** A version without a record of its directories (as versions made before it was kept). */
  public VersionMetadata(
      VersionId id,
      Instant time,
      String host,
      String source,
      String toolVersion,
      long fileCount,
      long totalBytes,
      ApkovlRecord apkovl,
      List<String> apkovls,
      CardVolumeRecord card,
      List<String> warnings,
      String sumsSha256) {
    this(
        id,
        time,
        host,
        source,
        toolVersion,
        fileCount,
        totalBytes,
        apkovl,
        apkovls,
        card,
        warnings,
        sumsSha256,
        null,
        null);
  }

  public String toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("formatVersion", (long) FORMAT_VERSION);
    m.put("id", id.value());
    m.put("time", time.toString());
    m.put("host", host);
    m.put("source", source);
    m.put("toolVersion", toolVersion);
    m.put("fileCount", fileCount);
    m.put("totalBytes", totalBytes);
    if (apkovl != null) {
      Map<String, Object> a = new LinkedHashMap<>();
      a.put("name", apkovl.name());
      a.put("sizeBytes", apkovl.sizeBytes());
      a.put("sha256", apkovl.sha256());
      a.put("entries", apkovl.entries());
      a.put("cipher", apkovl.cipher());
      if (apkovl.keyDerivation() != null) {
        a.put("keyDerivation", apkovl.keyDerivation());
      }
      if (apkovl.notVerified() != null) {
        a.put("notVerified", apkovl.notVerified());
      }
      m.put("apkovl", a);
    } else {
      m.put("apkovl", null);
    }
    m.put("apkovls", apkovls);
    if (card != null) {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("device", card.device());
      c.put("volumeId", card.volumeId());
      c.put("label", card.label());
      m.put("card", c);
    } else {
      m.put("card", null);
    }
    m.put("warnings", warnings);
    m.put("sha256sumsSha256", sumsSha256);
    if (directories != null) {
      m.put("directories", directories);
    }
    if (boot != null) {
      Map<String, Object> b = new LinkedHashMap<>();
      b.put("ready", boot.ready());
      b.put("reasons", boot.reasons());
      b.put("notes", boot.notes());
      if (boot.world() != null) {
        b.put("world", boot.world());
      }
      m.put("boot", b);
    }
    return Json.write(m);
  }

  /** Reads a version.json; a damaged one is an IOException naming the file. */
  public static VersionMetadata read(java.nio.file.Path file) throws java.io.IOException {
    String text = java.nio.file.Files.readString(file, java.nio.charset.StandardCharsets.UTF_8);
    try {
      return fromJson(text);
    } catch (JsonException e) {
      throw new java.io.IOException(file + " is damaged: " + e.getMessage(), e);
    }
  }

  public static VersionMetadata fromJson(String text) throws JsonException {
    JsonObject o = JsonObject.parse(text);
    try {
      ApkovlRecord apkovl = null;
      if (o.has("apkovl")) {
        JsonObject a = o.object("apkovl");
        apkovl =
            new ApkovlRecord(
                a.string("name"),
                a.number("sizeBytes"),
                a.string("sha256"),
                a.number("entries"),
                a.stringOrNull("cipher"),
                a.stringOrNull("keyDerivation"),
                a.stringOrNull("notVerified"));
      }
      CardVolumeRecord card = null;
      if (o.has("card")) {
        JsonObject c = o.object("card");
        card =
            new CardVolumeRecord(c.string("device"), c.string("volumeId"), c.stringOrNull("label"));
      }
      return new VersionMetadata(
          new VersionId(o.string("id")),
          Instant.parse(o.string("time")),
          o.string("host"),
          o.string("source"),
          o.string("toolVersion"),
          o.number("fileCount"),
          o.number("totalBytes"),
          apkovl,
          o.strings("apkovls"),
          card,
          o.strings("warnings"),
          o.string("sha256sumsSha256"),
          o.has("directories") ? o.strings("directories") : null,
          o.has("boot") ? bootOf(o.object("boot")) : null);
    } catch (IllegalArgumentException | DateTimeException e) {
      throw new JsonException(e.getMessage(), e);
    }
  }

  private static BootRecord bootOf(JsonObject b) throws JsonException {
    return new BootRecord(
        b.bool("ready"),
        b.strings("reasons"),
        b.strings("notes"),
        b.has("world") ? b.strings("world") : null);
  }
}
