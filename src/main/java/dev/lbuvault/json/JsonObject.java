package dev.lbuvault.json;

import java.util.List;
import java.util.Map;

/**
 * Typed, checked access to a parsed JSON object, so that a missing or mistyped field in a metadata
 * file is reported by name instead of surfacing as a {@link ClassCastException}.
 */
public record JsonObject(Map<String, Object> fields) {
  public JsonObject {
    fields = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(fields));
  }

  /** Parses text that must hold a JSON object. */
  public static JsonObject parse(String text) throws JsonException {
    Object value = Json.parse(text);
    return of(value, "document");
  }

  @SuppressWarnings("unchecked")
  static JsonObject of(Object value, String what) throws JsonException {
    if (!(value instanceof Map<?, ?>)) {
      throw new JsonException(what + " is not a JSON object");
    }
    return new JsonObject((Map<String, Object>) value);
  }

  public boolean has(String key) {
    return fields.get(key) != null;
  }

  public String string(String key) throws JsonException {
    Object v = fields.get(key);
    if (!(v instanceof String s)) {
      throw new JsonException("field \"" + key + "\" is missing or not a string");
    }
    return s;
  }

  public String stringOrNull(String key) throws JsonException {
    return has(key) ? string(key) : null;
  }

  public long number(String key) throws JsonException {
    Object v = fields.get(key);
    if (!(v instanceof Long l)) {
      throw new JsonException("field \"" + key + "\" is missing or not an integer");
    }
    return l;
  }

  public boolean bool(String key) throws JsonException {
    Object v = fields.get(key);
    if (!(v instanceof Boolean b)) {
      throw new JsonException("field \"" + key + "\" is missing or not a boolean");
    }
    return b;
  }

  public JsonObject object(String key) throws JsonException {
    return of(fields.get(key), "field \"" + key + "\"");
  }

  public List<String> strings(String key) throws JsonException {
    Object v = fields.get(key);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List<?> list)) {
      throw new JsonException("field \"" + key + "\" is not a list");
    }
    java.util.ArrayList<String> out = new java.util.ArrayList<>();
    for (Object o : list) {
      if (!(o instanceof String s)) {
        throw new JsonException("field \"" + key + "\" holds a non-string element");
      }
      out.add(s);
    }
    return List.copyOf(out);
  }

  /** A list of objects, e.g. {@code "sent": [{...}, ...]}; empty when the field is missing. */
  public List<JsonObject> objects(String key) throws JsonException {
    Object v = fields.get(key);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List<?> list)) {
      throw new JsonException("field \"" + key + "\" is not a list");
    }
    java.util.ArrayList<JsonObject> out = new java.util.ArrayList<>();
    for (Object o : list) {
      out.add(of(o, "an element of field \"" + key + "\""));
    }
    return List.copyOf(out);
  }
}
