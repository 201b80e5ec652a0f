package dev.lbuvault.repo;

import dev.lbuvault.json.Json;
import dev.lbuvault.json.JsonException;
import dev.lbuvault.json.JsonObject;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What verify found damaged for one host ({@code hosts/HOST/damage.json}): the versions that hold
 * damaged files, which stay marked until they are pruned or verify finds them clean, and the card
 * paths the next backup must re-read from the card and store as fresh copies ({@code heal}),
 * whatever their size and mtime, because the copy the next version would otherwise share is
 * damaged.
 *
 * @param heal card paths ({@code card/...}) the next backup copies afresh
 * @param damaged damaged paths by version id
 */
public record DamageRecord(Set<String> heal, Map<String, Set<String>> damaged) {
  public static final int FORMAT_VERSION = 1;

  public DamageRecord {
    heal = java.util.Collections.unmodifiableSet(new TreeSet<>(heal));
    Map<String, Set<String>> copy = new TreeMap<>();
    damaged.forEach(
        (id, paths) -> {
          if (!VersionId.isValid(id)) {
            throw new IllegalArgumentException("invalid version id in damage record: " + id);
          }
          copy.put(id, java.util.Collections.unmodifiableSet(new TreeSet<>(paths)));
        });
    damaged = java.util.Collections.unmodifiableMap(copy);
  }

  public static DamageRecord empty() {
    return new DamageRecord(Set.of(), Map.of());
  }

  public boolean isEmpty() {
    return heal.isEmpty() && damaged.isEmpty();
  }

  public boolean isDamaged(VersionId id) {
    return damaged.containsKey(id.value());
  }

  /** This record with the findings of one verified version replacing what was known about it. */
  public DamageRecord withVersion(VersionId id, Set<String> damagedPaths, Set<String> toHeal) {
    Map<String, Set<String>> next = new TreeMap<>(damaged);
    if (damagedPaths.isEmpty()) {
      next.remove(id.value());
    } else {
      next.put(id.value(), damagedPaths);
    }
    Set<String> nextHeal = new TreeSet<>(heal);
    nextHeal.addAll(toHeal);
    return new DamageRecord(nextHeal, next);
  }

  /** This record without the heal requests a backup has just served. */
  public DamageRecord withoutHeal(Collection<String> healed) {
    Set<String> next = new TreeSet<>(heal);
    next.removeAll(healed);
    return new DamageRecord(next, damaged);
  }

  /** This record without versions that no longer exist (pruned). */
  public DamageRecord retainingVersions(Collection<VersionId> existing) {
    Map<String, Set<String>> next = new TreeMap<>();
    Set<String> ids = new TreeSet<>();
    existing.forEach(id -> ids.add(id.value()));
    damaged.forEach(
        (id, paths) -> {
          if (ids.contains(id)) {
            next.put(id, paths);
          }
        });
    return new DamageRecord(heal, next);
  }

  public String toJson() {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("formatVersion", (long) FORMAT_VERSION);
    root.put("heal", List.copyOf(heal));
    Map<String, Object> versions = new LinkedHashMap<>();
    damaged.forEach((id, paths) -> versions.put(id, List.copyOf(paths)));
    root.put("damaged", versions);
    return Json.write(root);
  }

  /**
   * Parses a record.
   *
   * @throws JsonException when the text is not a record this version understands
   */
  public static DamageRecord fromJson(String text) throws JsonException {
    JsonObject o = JsonObject.parse(text);
    long format = o.number("formatVersion");
    if (format != FORMAT_VERSION) {
      throw new JsonException("formatVersion " + format + " is not " + FORMAT_VERSION);
    }
    Map<String, Set<String>> damaged = new TreeMap<>();
    JsonObject versions = o.object("damaged");
    for (String id : versions.fields().keySet()) {
      if (!VersionId.isValid(id)) {
        throw new JsonException("\"" + id + "\" is not a version id");
      }
      damaged.put(id, new TreeSet<>(versions.strings(id)));
    }
    return new DamageRecord(new TreeSet<>(o.strings("heal")), damaged);
  }
}
