package dev.lbuvault.repo;

import dev.lbuvault.json.Json;
import dev.lbuvault.json.JsonException;
import dev.lbuvault.json.JsonObject;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The content of {@code lbuvault.json}, the file that marks a directory as a repository and says
 * which format version and snapshot backend it uses.
 */
public record RepositoryMarker(int formatVersion, String backend, Instant created) {
  public static final int CURRENT_FORMAT = 1;

  public RepositoryMarker {
    if (formatVersion < 1) {
      throw new IllegalArgumentException("format version must be >= 1, got " + formatVersion);
    }
    if (!"btrfs".equals(backend) && !"plain".equals(backend)) {
      throw new IllegalArgumentException("backend must be btrfs or plain, got " + backend);
    }
    Objects.requireNonNull(created, "created");
  }

  public String toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format", "lbuvault-repository");
    m.put("formatVersion", (long) formatVersion);
    m.put("backend", backend);
    m.put("created", created.toString());
    return Json.write(m);
  }

  public static RepositoryMarker fromJson(String text) throws JsonException {
    JsonObject o = JsonObject.parse(text);
    if (!"lbuvault-repository".equals(o.string("format"))) {
      throw new JsonException("field \"format\" is not lbuvault-repository");
    }
    try {
      return new RepositoryMarker(
          Math.toIntExact(o.number("formatVersion")),
          o.string("backend"),
          Instant.parse(o.string("created")));
    } catch (IllegalArgumentException | java.time.DateTimeException | ArithmeticException e) {
      throw new JsonException(e.getMessage(), e);
    }
  }
}
